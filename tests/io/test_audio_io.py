import numpy as np
import pytest

from emosk.io import MediaReadError, NoAudioError, as_waveform, load_audio, read_audio


def _write_wav(path, wave, rate):
    from scipy.io import wavfile

    wavfile.write(path, rate, wave)


def _tone(rate, seconds=1.0, freq=220.0):
    t = np.arange(int(rate * seconds)) / rate
    return 0.3 * np.sin(2 * np.pi * freq * t)


def test_stereo_48k_int16_wav_to_16k_mono(tmp_path):
    left = _tone(48000)
    stereo = (np.stack([left, left], axis=1) * 32767).astype(np.int16)  # (n, 2)
    _write_wav(tmp_path / "s.wav", stereo, 48000)
    wave, rate = read_audio(tmp_path / "s.wav")
    assert rate == 16000 and wave.dtype == np.float32 and wave.ndim == 1
    assert abs(len(wave) - 16000) <= 32
    ref, _ = as_waveform(stereo, 48000)
    n = min(len(ref), len(wave))
    assert np.corrcoef(ref[100:n - 100], wave[100:n - 100])[0, 1] > 0.99
    both, _ = read_audio(tmp_path / "s.wav", sampling_rate=None, mono=False)
    assert both.shape == (2, 48000)


def test_as_waveform_layouts_and_scaling():
    x = np.zeros((2, 100), dtype=np.int16)
    x[:, 0] = 16384
    mono, rate = as_waveform(x, 100, sampling_rate=None)
    assert rate == 100 and mono.shape == (100,) and mono[0] == pytest.approx(0.5)
    assert as_waveform(x.T, 100, sampling_rate=None)[0].shape == (100,)
    assert as_waveform(np.ones(300), 48000)[0].shape == (100,)


@pytest.mark.parametrize("wave, rate, match", [
    (np.zeros(0), 16000, r"shape \(0,\)"),
    (np.zeros((2, 2, 2)), 16000, r"shape \(2, 2, 2\)"),
    (np.array([0.0, np.nan]), 16000, "NaN"),
    (np.zeros(10), 0, "positive int"),
    (np.array(["a", "b"]), 16000, "dtype <U1"),
])
def test_bad_waveforms(wave, rate, match):
    with pytest.raises(ValueError, match=match):
        as_waveform(wave, rate, name="waveform 3")


def test_load_audio_rejects_other_types():
    with pytest.raises(TypeError, match="Audio input 4 is a int"):
        load_audio(5, index=4)


def test_corrupt_and_missing_files(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF....not really a wav file" * 10)
    with pytest.raises(MediaReadError, match="broken.wav"):
        read_audio(bad)
    with pytest.raises(MediaReadError, match="nowhere.flac"):
        read_audio(tmp_path / "nowhere.flac")


def test_truncated_file(tmp_path):
    wave = (_tone(16000, 2.0) * 32767).astype(np.int16)
    _write_wav(tmp_path / "full.wav", wave, 16000)
    data = (tmp_path / "full.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[:30])  # header only
    with pytest.raises(MediaReadError, match="cut.wav"):
        read_audio(tmp_path / "cut.wav")


def test_video_without_audio_track(tmp_path):
    av = pytest.importorskip("av")
    path = tmp_path / "silent_film.avi"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        for _ in range(3):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(
                np.zeros((32, 32, 3), np.uint8), format="rgb24")))
        out.mux(stream.encode())
    with pytest.raises(NoAudioError, match="silent_film.avi has no audio track"):
        read_audio(path)


def test_enterface_video_audio_track(shared_data):
    wave, rate = read_audio(shared_data / "enterface05" / "s1_an_1.avi")
    assert rate == 16000 and 3.0 < len(wave) / rate < 3.6  # a 3.4 s clip
    assert np.abs(wave).max() > 0.05
