"""Prints the trainer's throughput next to a bare PyTorch loop with the same model, data and batch.

The bare loop is what a tutorial writes: fetch a batch, forward, loss, zero_grad, backward, clip,
step; nothing else. The trainer adds events, the NaN guard and the schedule, and runs 10
evaluations with samples per run. Two ratios: training throughput (the summary's
items_per_second, evaluation time excluded) and wall throughput (evaluations included).
Target: trainer >= 0.95x the bare loop on every task.
Usage: python bench/trainer_vs_bare.py [--seconds 15] [--rounds 2] [--tasks char-lm,classify,...]
"""

from __future__ import annotations

import argparse
import time

from _common import print_table, setup


def bare_loop(task_name: str, seconds: float, settings: dict) -> float:
    import torch
    from torch.nn import functional as F

    from models.trainer import Trainer

    # Built through the Trainer only to get the identical model and data; its loop is not used.
    t = Trainer(task_name, settings, device="cpu")
    task, model, config = t.task, t.model, t.config
    opt = torch.optim.Adam(model.parameters(), lr=config["lr"])
    model.train()
    items, state = 0, None
    if task_name == "char-lm":
        from models.data.text import contiguous_windows
        from models.networks import detach_state

        windows = contiguous_windows(task.train_data, config["batch"], config["seq"], torch.Generator().manual_seed(0))

        def batch_loss():
            nonlocal state
            x, y, first = next(windows)
            logits, new_state = model(x, None if first else state)
            state = detach_state(new_state)
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), x.numel()
    elif task_name == "classify":
        d = task.data

        def batch_loss():
            idx = next(task.batches)
            lengths = d.train_lengths[idx]
            logits = model(d.train_tokens[idx, : int(lengths.max())], lengths)
            return F.cross_entropy(logits, d.train_labels[idx]), len(idx)
    elif task_name == "regress":
        waves, seq, batch = task.train_waves, config["seq"], config["batch"]

        def batch_loss():
            starts = torch.randint(0, len(waves) - seq - 1, (batch,))
            w = waves[starts.unsqueeze(1) + torch.arange(seq + 1)]
            pred, _ = model(w[:, :-1])
            return F.mse_loss(pred, w[:, 1:]), batch * seq
    else:
        from models.data import recall

        g = torch.Generator().manual_seed(0)

        def batch_loss():
            tokens, symbols = recall.make_batch(config["batch"], config["gap"], g)
            return F.cross_entropy(model(tokens), symbols), len(symbols)

    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        loss, n = batch_loss()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config["clip"])
        opt.step()
        items += n
    return items / (time.perf_counter() - start)


def trainer_run(task_name: str, seconds: float, settings: dict) -> tuple[float, float]:
    from models.trainer import Trainer

    s = Trainer(task_name, settings, device="cpu", max_seconds=seconds).run()
    items = s["items_per_second"] * (s["seconds"] - s["eval_seconds"])
    return s["items_per_second"], items / s["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tasks", default="char-lm,classify,regress,recall")
    args = parser.parse_args()
    threads = setup()
    from models.catalog import TASKS

    print(f"{args.seconds:g} s per run, {args.rounds} rounds, {threads} threads, cpu; task defaults")
    rows = []
    for name in args.tasks.split(","):
        bare, ours, wall = [], [], []
        for _ in range(args.rounds):  # alternate, so drift in machine speed hits both alike
            bare.append(bare_loop(name, args.seconds, {}))
            training, whole = trainer_run(name, args.seconds, {})
            ours.append(training)
            wall.append(whole)
        b, o, w = (sum(x) / len(x) for x in (bare, ours, wall))
        rows.append([name, TASKS[name].item, b, o, o / b, w, w / b])
    print_table(["task", "item", "bare items/s", "trainer items/s", "ratio", "with evals items/s",
                 "ratio"], rows)


if __name__ == "__main__":
    main()
