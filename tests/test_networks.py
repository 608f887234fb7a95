import pytest
import torch

from models.catalog import CELLS
from models.networks import CharLM, Recurrent, SequenceClassifier, SequenceRegressor


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("layers", [1, 2])
def test_shapes_for_every_cell(cell, layers):
    torch.manual_seed(0)
    lm = CharLM(vocab=20, cell=cell, hidden=8, layers=layers, embed=0, dropout=0.1)
    logits, state = lm(torch.randint(0, 20, (3, 6)))
    assert logits.shape == (3, 6, 20)
    h = state[0] if isinstance(state, tuple) else state
    assert h.shape == (layers, 3, 8)
    assert isinstance(state, tuple) == (cell in ("lstm", "lstm-cell"))

    clf = SequenceClassifier(vocab=20, classes=4, cell=cell, hidden=8, layers=layers, embed=5)
    assert clf(torch.randint(1, 20, (3, 6)), torch.tensor([6, 2, 4])).shape == (3, 4)

    reg = SequenceRegressor(channels=2, cell=cell, hidden=8, layers=layers)
    y, _ = reg(torch.randn(3, 6, 2))
    assert y.shape == (3, 6, 2)


@pytest.mark.parametrize("cell", CELLS)
def test_padding_does_not_change_a_classification(cell):
    """A name in a padded batch gets the same scores as the name alone (packing, masking)."""
    torch.manual_seed(0)
    clf = SequenceClassifier(vocab=10, classes=3, cell=cell, hidden=6, layers=2).eval()
    short = torch.tensor([[3, 4]])
    padded = torch.tensor([[3, 4, 0, 0, 0], [1, 2, 3, 4, 5]])
    alone = clf(short, torch.tensor([2]))
    batched = clf(padded, torch.tensor([2, 5]))
    torch.testing.assert_close(batched[0:1], alone, atol=1e-6, rtol=0)


@pytest.mark.parametrize("cell", CELLS)
def test_batch_first_means_batch_first(cell):
    """Each sequence's output depends only on its own row: time runs along dimension 1."""
    torch.manual_seed(0)
    net = Recurrent(cell, input_size=3, hidden=4)
    x = torch.randn(2, 5, 3)
    out, _ = net(x)
    out_first, _ = net(x[:1])
    torch.testing.assert_close(out[:1], out_first, atol=1e-6, rtol=0)
    assert out.shape == (2, 5, 4)


def test_carried_state_continues_the_sequence():
    """Reading a text in two windows with the state carried equals reading it in one go."""
    torch.manual_seed(0)
    lm = CharLM(vocab=12, cell="lstm", hidden=8).eval()
    tokens = torch.randint(0, 12, (2, 10))
    whole, _ = lm(tokens)
    first, state = lm(tokens[:, :4])
    second, _ = lm(tokens[:, 4:], state)
    torch.testing.assert_close(torch.cat((first, second), dim=1), whole, atol=1e-6, rtol=0)


def test_unknown_cell_lists_the_choices():
    with pytest.raises(ValueError, match="rnn, lstm, gru, elman, lstm-cell"):
        Recurrent("transformer", 3, 4)
