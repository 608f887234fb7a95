import pytest
import torch

from models.data import DataError
from models.data import names as names_data
from models.data import recall
from models.data.text import CharCorpus, Vocab, contiguous_windows, read_text
from models.data.waves import make_waves

from conftest import make_text


def test_read_text_reports_each_bad_file_plainly(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_text(tmp_path / "missing.txt")
    with pytest.raises(DataError, match="is a directory"):
        read_text(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(DataError, match="empty"):
        read_text(empty)
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"abc\x00\x01\x02" * 400)
    with pytest.raises(DataError, match="binary"):
        read_text(binary)
    latin = tmp_path / "latin1.txt"
    latin.write_bytes(("caf\xe9 " * 300).encode("latin-1"))
    with pytest.raises(DataError, match=r"not UTF-8 text \(byte 3 is 0xe9\)"):
        read_text(latin)
    short = tmp_path / "short.txt"
    short.write_text("too short")
    with pytest.raises(DataError, match="too short"):
        read_text(short)


def test_read_text_accepts_utf8_and_normalises_newlines(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_bytes(("Ünïcode line\r\n" * 100).encode("utf-8"))
    text = read_text(path)
    assert "\r" not in text and text.startswith("Ünïcode")


def test_vocab_round_trip():
    vocab = Vocab.from_text("hello world")
    assert vocab.chars == " dehlorw"
    assert vocab.decode(vocab.encode("world").tolist()) == "world"


def test_corpus_holds_out_the_end_of_the_text():
    text = make_text(5000)
    corpus = CharCorpus(text, val_fraction=0.1)
    assert len(corpus.val) == 500
    assert corpus.vocab.decode(corpus.val.tolist()) == text[-500:]
    assert corpus.word_rate("the count zzzq") == pytest.approx(2 / 3)


def test_windows_continue_each_stream():
    data = torch.arange(1000)
    windows = contiguous_windows(data, batch=4, seq=10, generator=torch.Generator().manual_seed(0))
    x1, y1, first1 = next(windows)
    x2, y2, first2 = next(windows)
    assert first1 and not first2
    assert x1.shape == (4, 10)
    assert torch.equal(y1, x1 + 1)  # the target is the next character
    assert torch.equal(x2[:, 0], x1[:, -1] + 1)  # the next window starts where this one ended


def test_names_dir_in_the_tutorials_format(names_dir):
    by_class = names_data.load_names_dir(names_dir)
    assert sorted(by_class) == ["German", "Italian", "Japanese"]
    assert "Muller" in by_class["German"] and "Schafer" in by_class["German"]  # ASCII-folded
    data = names_data.NamesData(by_class, val_fraction=0.25, seed=0)
    train_names = {n for n, _ in data.train}
    val_names = {n for n, _ in data.val}
    assert not train_names & val_names
    assert {lab for _, lab in data.val} == {0, 1, 2}  # every class is held out from
    assert len(data.train) + len(data.val) == 48


def test_names_dir_without_usable_files(tmp_path):
    with pytest.raises(DataError, match="no such directory"):
        names_data.load_names_dir(tmp_path / "nope")
    (tmp_path / "notes.md").write_text("not a name list")
    (tmp_path / "Empty.txt").write_text("\n\n")
    with pytest.raises(DataError, match="needs at least two <Class>.txt files"):
        names_data.load_names_dir(tmp_path)


def test_builtin_names_are_a_real_data_set():
    by_class = names_data.load_names_dir(names_data.builtin_names_dir())
    assert len(by_class) >= 8
    seen = {}
    for cls, names in by_class.items():
        assert len(set(names)) >= 200, cls
        for name in names:
            assert name.isascii()
            assert seen.setdefault(name.lower(), cls) == cls, f"{name} is in {cls} and {seen[name.lower()]}"


def test_encode_pads_and_measures():
    tokens, lengths = names_data.encode(["Ab", "Abcd"])
    assert tokens.shape == (2, 4)
    assert lengths.tolist() == [2, 4]
    assert tokens[0, 2:].tolist() == [names_data.PAD, names_data.PAD]


def test_waves_are_deterministic_and_normalised():
    a = make_waves(length=3000, channels=3, seed=1)
    b = make_waves(length=3000, channels=3, seed=1)
    assert a.shape == (3000, 3)
    assert torch.equal(a, b)
    assert not torch.equal(a, make_waves(length=3000, channels=3, seed=2))
    assert a.mean(0).abs().max() < 0.1
    assert ((a.std(0) - 1).abs() < 0.1).all()


def test_recall_batches_ask_for_the_first_symbol():
    tokens, symbols = recall.make_batch(16, gap=7, generator=torch.Generator().manual_seed(0))
    assert tokens.shape == (16, 9)
    assert torch.equal(tokens[:, 0], symbols)
    assert (tokens[:, 1:-1] >= recall.SYMBOLS).all() and (tokens[:, 1:-1] < recall.QUERY).all()
    assert (tokens[:, -1] == recall.QUERY).all()
