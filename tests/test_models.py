import re

import pytest
import torch

from genotools.errors import InputError
from genotools.sequence.models import ARCHITECTURES, build_model

SMALL = {"basset": {"channels": [8, 8, 8], "hidden": 16},
         "danq": {"channels": 8, "lstm_hidden": 4, "hidden": 16},
         "dilated": {"channels": 8, "blocks": 2},
         "cnn": {"channels": 8}}


def one_hot_batch(batch, length):
    return torch.nn.functional.one_hot(torch.randint(0, 4, (batch, length)), 4).float()


def test_the_registry_names_four_architectures_each_with_defaults_and_a_summary():
    assert list(ARCHITECTURES) == ["basset", "danq", "dilated", "cnn"]
    assert all(arch.defaults and arch.summary for arch in ARCHITECTURES.values())


@pytest.mark.parametrize("length, n_tasks", [(20, 1), (201, 3), (1000, 2)])
@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_every_architecture_maps_one_hot_sequences_to_one_output_per_task(name, length, n_tasks):
    torch.manual_seed(0)
    model, params = build_model(name, length, n_tasks)
    assert params == ARCHITECTURES[name].defaults
    with torch.no_grad():
        outputs = model.eval()(one_hot_batch(2, length))
    assert outputs.shape == (2, n_tasks) and outputs.dtype == torch.float32
    assert torch.isfinite(outputs).all()


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_every_architecture_trains_on_a_batch_and_gives_each_parameter_a_gradient(name):
    torch.manual_seed(0)
    model, _ = build_model(name, 50, 2, SMALL[name])
    model.train()(one_hot_batch(2, 50)).sum().backward()
    assert all(parameter.grad is not None for parameter in model.parameters())


def test_given_hyperparameters_override_the_defaults_and_come_back_merged():
    model, params = build_model("basset", 100, 2, {"channels": [8, 16, 24], "hidden": 32})
    assert params == {"channels": [8, 16, 24], "kernel_sizes": [19, 11, 7], "pool_sizes": [3, 4, 4], "hidden": 32,
                      "dropout": 0.3}
    convolutions = [layer for layer in model.features if isinstance(layer, torch.nn.Conv1d)]
    assert [conv.out_channels for conv in convolutions] == [8, 16, 24]
    assert [conv.kernel_size for conv in convolutions] == [(19,), (11,), (7,)]
    assert ARCHITECTURES["basset"].defaults["channels"] == [128, 128, 128]  # the defaults are left alone

    model, params = build_model("danq", 100, 1, {"lstm_hidden": 5, "dropout": 0})  # an int where a float is due
    assert model.lstm.hidden_size == 5 and params["dropout"] == 0 and params["channels"] == 128

    model, params = build_model("dilated", 100, 1, {"blocks": 2, "channels": 8})
    assert len(model.blocks) == 2 and params == {"channels": 8, "stem_kernel": 15, "blocks": 2, "dropout": 0.2}


def test_an_unknown_architecture_is_refused_with_the_choices():
    with pytest.raises(InputError, match=re.escape("unknown architecture 'resnet'; choose one of basset, danq, "
                                                   "dilated, cnn")):
        build_model("resnet", 100, 1)


def test_unknown_hyperparameters_are_refused_with_those_the_architecture_takes():
    message = ("architecture 'danq' has no hyperparameter depth, width; it takes channels, kernel_size, pool_size, "
               "lstm_hidden, hidden, dropout")
    with pytest.raises(InputError, match=re.escape(message)):
        build_model("danq", 100, 1, {"width": 3, "depth": 2, "hidden": 8})


@pytest.mark.parametrize("name, key, value, message", [
    ("basset", "channels", [8, 8], "hyperparameter channels of 'basset' takes values like [128, 128, 128], not [8, 8]"),
    ("basset", "channels", [8, 8, 8.5], "takes values like [128, 128, 128], not [8, 8, 8.5]"),
    ("basset", "hidden", 32.0, "hyperparameter hidden of 'basset' takes values like 256, not 32.0"),
    ("danq", "hidden", True, "hyperparameter hidden of 'danq' takes values like 128, not true"),
    ("dilated", "dropout", "0.1", "hyperparameter dropout of 'dilated' takes values like 0.2, not \"0.1\""),
    ("dilated", "blocks", [5], "hyperparameter blocks of 'dilated' takes values like 5, not [5]"),
])
def test_hyperparameters_of_the_wrong_type_are_refused(name, key, value, message):
    with pytest.raises(InputError, match=re.escape(message)):
        build_model(name, 100, 1, {key: value})
