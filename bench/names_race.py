"""Prints held-out accuracy on names by origin at equal wall time for three ways to train.

1. the chapter's loop: ChapterRNN (i2h/i2o, LogSoftmax, NLLLoss), one name at a time, plain SGD;
2. a plain batched GRU: hidden 128, batch 64, Adam 3e-3, padded and packed one-hot input;
3. `rnn-tutor train classify` with its defaults and the same time budget.
All three use the same split (the engine's NamesData, seed 0). The clocks of 1 and 2 stop while
they are evaluated; 3 is run once per budget, evaluation included, as a user would run it.
`--skewed` writes and uses a tutorial-format folder shaped like the PyTorch tutorial's data (one
class holds about half of all names, the rest are small) from the built-in surnames.
Usage: python bench/names_race.py [--names DIR | --skewed] [--at 10,30,60] [--only chapter,gru,tutor]
"""

from __future__ import annotations

import argparse
import time

from _common import print_table, setup


def scores(guess, labels, classes):
    import torch

    guess, labels = torch.as_tensor(guess), torch.as_tensor(labels)
    per_class = [float((guess[labels == c] == c).float().mean()) for c in range(classes)
                 if (labels == c).any()]
    return float((guess == labels).float().mean()), sum(per_class) / len(per_class)


def chapter_loop(data, budgets):
    """The chapter's loop, as the story teaches it: pick an origin, pick a name, one letter a step."""
    import torch
    from torch import nn

    from models.cells import ChapterRNN
    from models.data import names as nd

    torch.manual_seed(0)
    letters = nd.VOCAB - 1
    net = ChapterRNN(letters, 128, len(data.classes))
    loss_fn, lr = nn.NLLLoss(), 0.005
    by_class = {}
    for name, label in data.train:
        by_class.setdefault(label, []).append(name)
    rng = torch.Generator().manual_seed(0)

    def name_tensor(name):
        t = torch.zeros(len(name), 1, letters)
        for i, ch in enumerate(name):
            t[i, 0, nd._INDEX[ch] - 1] = 1
        return t

    def classify(name):
        hidden = net.init_hidden()
        for letter in name_tensor(name):
            output, hidden = net(letter, hidden)
        return output

    results, spent, seen = [], 0.0, 0
    for budget in budgets:
        while spent < budget:
            t0 = time.perf_counter()
            for _ in range(200):
                label = int(torch.randint(len(data.classes), (1,), generator=rng))
                pool = by_class[label]
                name = pool[int(torch.randint(len(pool), (1,), generator=rng))]
                net.zero_grad()
                loss = loss_fn(classify(name), torch.tensor([label]))
                loss.backward()
                for p in net.parameters():
                    p.data.add_(p.grad.data, alpha=-lr)
                seen += 1
            spent += time.perf_counter() - t0
        with torch.no_grad():
            guess = [int(classify(n).argmax()) for n, _ in data.val]
        results.append((budget, *scores(guess, [lab for _, lab in data.val], len(data.classes)), seen / spent))
    return results


def batched_gru(data, budgets):
    """A plain batched GRU: random batches, padded one-hot input packed by length."""
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence

    from models.data import names as nd

    torch.manual_seed(0)

    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(nd.VOCAB, 128, batch_first=True)
            self.out = nn.Linear(128, len(data.classes))

        def forward(self, tokens, lengths):
            x = nn.functional.one_hot(tokens, nd.VOCAB).float()
            _, h = self.rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            return self.out(h[-1])

    model = Plain()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    n = len(data.train)
    results, spent, seen = [], 0.0, 0
    for budget in budgets:
        while spent < budget:
            t0 = time.perf_counter()
            for _ in range(20):
                idx = torch.randint(n, (64,), generator=g)
                lengths = data.train_lengths[idx]
                tokens = data.train_tokens[idx, : int(lengths.max())]
                loss = nn.functional.cross_entropy(model(tokens, lengths), data.train_labels[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                seen += 64
            spent += time.perf_counter() - t0
        model.eval()
        with torch.no_grad():
            guess = model(data.val_tokens, data.val_lengths).argmax(1)
        model.train()
        results.append((budget, *scores(guess, data.val_labels, len(data.classes)), seen / spent))
    return results


def tutor_runs(names, budgets, settings):
    from models.trainer import Trainer

    results = []
    for budget in budgets:
        s = Trainer("classify", settings, device="cpu", max_seconds=budget, names=names).run()
        results.append((budget, s["metrics"]["accuracy"], s["metrics"]["balanced_accuracy"],
                        s["items_per_second"]))
    return results


def write_skewed(root) -> str:
    """A folder where Irish keeps all its names and every other origin keeps at most 300."""
    from pathlib import Path

    from models.data import names as nd

    out = Path(root) / "skewed-names"
    out.mkdir(parents=True, exist_ok=True)
    for cls, names in nd.load_names_dir(nd.builtin_names_dir()).items():
        keep = names if cls == "Irish" else names[:: max(1, len(names) // 300)][:300]
        (out / f"{cls}.txt").write_text("\n".join(keep) + "\n", encoding="utf-8")
    return str(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", help="a folder of <Class>.txt files (default: built-in surnames)")
    parser.add_argument("--skewed", action="store_true", help="use a tutorial-shaped, skewed folder")
    parser.add_argument("--at", default="10,30,60", help="budgets in seconds")
    parser.add_argument("--only", default="chapter,gru,tutor")
    parser.add_argument("--set", dest="settings", action="append", default=[])
    args = parser.parse_args()
    threads = setup()
    from models.catalog import parse_assignments
    from models.data import names as nd

    budgets = [float(b) for b in args.at.split(",")]
    if args.skewed:
        import tempfile

        args.names = write_skewed(tempfile.gettempdir())
    root = args.names or nd.builtin_names_dir()
    data = nd.NamesData(nd.load_names_dir(root), seed=0)
    largest = int(data.val_labels.bincount().max()) / len(data.val_labels)
    print(f"{root}: {len(data.classes)} classes, {len(data.train)} training / {len(data.val)} held-out "
          f"names; always guessing the largest class scores {largest:.1%}; {threads} threads")
    rows = []
    runs = {"chapter": lambda: chapter_loop(data, budgets), "gru": lambda: batched_gru(data, budgets),
            "tutor": lambda: tutor_runs(args.names, budgets, parse_assignments("classify", args.settings))}
    for label in args.only.split(","):
        for budget, acc, bal, rate in runs[label]():
            rows.append([label, f"{budget:g}", acc, bal, rate])
    print_table(["trainer", "seconds", "accuracy", "balanced", "names/s"], rows)


if __name__ == "__main__":
    main()
