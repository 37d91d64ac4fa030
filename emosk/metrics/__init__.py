"""Metrics of emotion classification: per-class recall, UAR, cost-sensitive accuracy,
and a paired bootstrap of two systems' difference."""

from ._bootstrap import paired_bootstrap
from ._metrics import (
    EMOTION_SIMILAR_PAIRS,
    cost_sensitive_accuracy,
    evaluation_report,
    per_class_recall,
    plot_confusion_matrix,
    similarity_cost_matrix,
    unweighted_average_recall,
)

__all__ = [
    "EMOTION_SIMILAR_PAIRS",
    "cost_sensitive_accuracy",
    "evaluation_report",
    "paired_bootstrap",
    "per_class_recall",
    "plot_confusion_matrix",
    "similarity_cost_matrix",
    "unweighted_average_recall",
]
