import pytest
import torch
from torch import nn

from models.cells import ChapterRNN, ElmanCell, NamedLSTMCell


def test_named_lstm_cell_equals_nn_lstmcell_with_copied_weights():
    torch.manual_seed(0)
    reference = nn.LSTMCell(7, 11)
    mine = NamedLSTMCell(7, 11)
    mine.load_from_lstm_cell(reference)
    x = torch.randn(5, 7)
    h, c = torch.randn(5, 11), torch.randn(5, 11)
    for _ in range(4):  # several steps, so errors would compound through the state
        h_ref, c_ref = reference(x, (h, c))
        h_mine, c_mine = mine(x, (h, c))
        torch.testing.assert_close(h_mine, h_ref, atol=1e-5, rtol=0)
        torch.testing.assert_close(c_mine, c_ref, atol=1e-5, rtol=0)
        h, c = h_ref, c_ref


def test_named_lstm_cell_starts_with_forget_gate_open():
    cell = NamedLSTMCell(3, 4)
    assert torch.all(cell.gates.bias[4:8] == 1.0)


def test_chapter_rnn_one_letter_at_a_time():
    torch.manual_seed(0)
    net = ChapterRNN(57, 128, 18)
    hidden = net.init_hidden()
    assert hidden.shape == (1, 128) and torch.all(hidden == 0)
    letter = torch.zeros(1, 57)
    letter[0, 3] = 1
    output, hidden = net(letter, hidden)
    assert output.shape == (1, 18)
    assert hidden.shape == (1, 128)
    # LogSoftmax output: probabilities that sum to one.
    assert torch.exp(output).sum().item() == pytest.approx(1.0, abs=1e-5)
    assert net.i2h.in_features == 57 + 128 and net.i2o.in_features == 57 + 128


def test_chapter_rnn_learns_with_nllloss_and_sgd():
    torch.manual_seed(0)
    net = ChapterRNN(4, 16, 2)
    loss_fn = nn.NLLLoss()
    seqs = [torch.eye(4)[[0, 1, 2]], torch.eye(4)[[3, 2, 1]]]
    labels = [torch.tensor([0]), torch.tensor([1])]

    def total_loss():
        total = 0.0
        for seq, label in zip(seqs, labels):
            hidden = net.init_hidden()
            for letter in seq:
                output, hidden = net(letter.unsqueeze(0), hidden)
            total += loss_fn(output, label)
        return total

    with torch.no_grad():
        before = float(total_loss())
    for _ in range(60):
        net.zero_grad()
        loss = total_loss()
        loss.backward()
        for p in net.parameters():
            p.data.add_(p.grad, alpha=-0.05)
    with torch.no_grad():
        assert float(total_loss()) < before * 0.5


def test_elman_cell_squashes_its_state():
    cell = ElmanCell(3, 5)
    h = cell(torch.full((2, 3), 100.0), torch.full((2, 5), 100.0))
    assert h.shape == (2, 5)
    assert torch.all(h.abs() <= 1.0)
