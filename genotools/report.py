"""Plots and summary files."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen before pyplot loads)


def plot_learning_curves(history, best_epoch, path):
    """PNG of training and validation loss per epoch, with the learning rate and the chosen epoch marked."""
    epochs = [r["epoch"] for r in history]
    figure, (loss_axis, lr_axis) = plt.subplots(2, 1, figsize=(6, 5), sharex=True, height_ratios=[3, 1])
    loss_axis.plot(epochs, [r["train_loss"] for r in history], marker="o", label="training")
    loss_axis.plot(epochs, [r["valid_loss"] for r in history], marker="o", label="validation")
    loss_axis.axvline(best_epoch, color="grey", linestyle="--", label=f"best epoch ({best_epoch})")
    loss_axis.set_ylabel("loss")
    loss_axis.legend()
    loss_axis.set_title("Learning curves")
    lr_axis.plot(epochs, [r["lr"] for r in history], marker=".", color="black")
    lr_axis.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
    lr_axis.set_ylabel("learning rate")
    lr_axis.set_xlabel("epoch")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)
