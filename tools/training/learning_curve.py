#!/usr/bin/env python3
"""A training run's learning curve, compact: one row per bucket of samples from `charsim train`'s
log.csv (and eval.csv, when the run evaluated), for reports beside shipped weights.

    tools/training/learning_curve.py RUN_DIR [--bucket 500000] > curve.csv

Columns: samples at the bucket's end, its last iteration, training hours so far (wall time
summed over the sittings the run was resumed in), mean return and mean episode length of the
bucket's training episodes (exploration on), and the bucket's last evaluation (starts, how many
fell, mean episode length) when there was one.
"""
import argparse
import csv
import os
import sys


def read_rows(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", help="a charsim train --out folder (log.csv, eval.csv)")
    parser.add_argument("--bucket", type=int, default=500_000, help="samples per row")
    args = parser.parse_args()
    if args.bucket <= 0:
        sys.exit(f"learning_curve: --bucket must be a whole number of samples > 0, found "
                 f"{args.bucket}")

    log_path = os.path.join(args.run_dir, "log.csv")
    try:
        log = read_rows(log_path)
    except OSError as error:
        sys.exit(f"learning_curve: {log_path}: {error.strerror}")
    if not log:
        sys.exit(f"learning_curve: {log_path}: no iterations logged")
    if "samples" not in log[0] or "wall_seconds" not in log[0]:
        sys.exit(f"learning_curve: {log_path}: expected charsim train's log "
                 "(samples, wall_seconds)")
    eval_path = os.path.join(args.run_dir, "eval.csv")
    evaluations = read_rows(eval_path) if os.path.exists(eval_path) else []
    eval_columns = {"samples", "starts", "falls", "mean_episode_seconds"}
    if evaluations and not eval_columns <= evaluations[0].keys():
        sys.exit(f"learning_curve: {eval_path}: expected the columns "
                 f"{', '.join(sorted(eval_columns))} (is its header line missing?)")

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["samples", "iteration", "training_hours", "mean_return",
                     "mean_episode_seconds", "eval_starts", "eval_falls",
                     "eval_mean_episode_seconds"])
    # wall_seconds restarts at 0 in each sitting: a drop marks a resume.
    finished_sittings = 0.0
    previous_wall = 0.0
    bucket = []
    next_edge = args.bucket
    evaluation_index = 0
    for number, row in enumerate(log, start=2):
        try:
            samples, wall = int(row["samples"]), float(row["wall_seconds"])
            values = (float(row["mean_return"]), float(row["mean_episode_seconds"]))
        except (KeyError, TypeError, ValueError):
            sys.exit(f"learning_curve: {log_path}: line {number}: expected numbers in samples, "
                     "wall_seconds, mean_return and mean_episode_seconds")
        if wall < previous_wall:
            finished_sittings += previous_wall
        previous_wall = wall
        bucket.append(values)
        if samples < next_edge and number - 1 < len(log):
            continue
        last_eval = None
        while (evaluation_index < len(evaluations)
               and int(evaluations[evaluation_index]["samples"]) <= samples):
            last_eval = evaluations[evaluation_index]
            evaluation_index += 1
        hours = (finished_sittings + wall) / 3600
        writer.writerow([
            samples, row["iteration"], f"{hours:.3f}",
            f"{sum(v[0] for v in bucket) / len(bucket):.3f}",
            f"{sum(v[1] for v in bucket) / len(bucket):.3f}",
            last_eval["starts"] if last_eval else "",
            last_eval["falls"] if last_eval else "",
            f"{float(last_eval['mean_episode_seconds']):.2f}" if last_eval else "",
        ])
        bucket = []
        while next_edge <= samples:
            next_edge += args.bucket


if __name__ == "__main__":
    main()
