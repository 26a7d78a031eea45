"""Every model honours the contract on tiny tensors; masking and side-info fusion behave."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from recsys_tools.seqrec.data import Batch, SeqDataset, encode_item_features, left_pad
from recsys_tools.seqrec.experiment import run_experiment
from recsys_tools.seqrec.factory import (
    MODEL_KINDS,
    ModelKind,
    build_model,
    default_config,
    load_checkpoint,
    save_checkpoint,
)
from recsys_tools.seqrec.models.layers import Fusion, ItemEncoder, attention_mask
from recsys_tools.seqrec.models.transformer import BERT4Rec, SASRec, TransformerConfig
from recsys_tools.seqrec.trainer import TrainConfig, train

N_ITEMS = 12


def tiny_data() -> SeqDataset:
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, N_ITEMS + 1, size=rng.integers(3, 9)) for _ in range(10)]
    item_ext = np.arange(1, N_ITEMS + 1)
    feats = encode_item_features(item_ext, item_ext, {"city": item_ext % 3, "type": item_ext % 2})
    return SeqDataset(
        "tiny", seqs, N_ITEMS, np.array([None, *item_ext], dtype=object), np.arange(10), feats
    )


def tiny_batch(data: SeqDataset) -> Batch:
    return next(data.eval_batches("test", 4, n_negatives=5))


def small(kind: str, data: SeqDataset):  # type: ignore[no-untyped-def]
    cfg = default_config(kind, data)  # type: ignore[arg-type]
    if isinstance(cfg, TransformerConfig):
        cfg = dataclasses.replace(cfg, hidden=8, max_len=6, n_heads=2, n_layers=1)
    return build_model(kind, data, cfg)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_contract_shapes_and_loss(kind: str) -> None:
    torch.manual_seed(0)
    data = tiny_data()
    model = small(kind, data)
    batch = tiny_batch(data)
    assert batch.candidates is not None
    full = model.full_sort_predict(batch)
    assert full.shape == (4, N_ITEMS + 1)
    assert torch.isinf(full[:, 0]).all()  # padding column
    assert torch.isfinite(full[:, 1:]).all()
    pred = model.predict(batch)
    assert pred.shape == (4, 6)
    # predict and full_sort_predict agree on the candidates
    model.eval()
    assert torch.allclose(
        model.predict(batch), model.full_sort_predict(batch).gather(1, batch.candidates), atol=1e-5
    )
    if model.trainable:
        train_batch = next(data.train_batches(4, model.train_width, np.random.default_rng(0)))
        model.train()
        loss = model.calculate_loss(train_batch)
        assert loss.dim() == 0 and torch.isfinite(loss)
        loss.backward()


def test_attention_mask_hides_padding_and_future() -> None:
    seq = torch.tensor([[0, 0, 5, 6]])
    causal = attention_mask(seq, causal=True)[0, 0]
    assert causal[3].tolist() == [False, False, True, True]
    assert causal[2].tolist() == [False, False, True, False]
    assert causal[0].tolist() == [True, False, False, False]  # padded row: itself only, no NaN
    bidir = attention_mask(seq, causal=False)[0, 0]
    assert bidir[2].tolist() == [False, False, True, True]


def test_padding_does_not_change_the_sequence_representation() -> None:
    torch.manual_seed(0)
    model = SASRec(
        TransformerConfig(n_items=N_ITEMS, max_len=6, hidden=8, n_heads=2, dropout=0.0)
    ).eval()
    a = model(torch.tensor([[0, 0, 3, 4]]))[:, -1]
    b = model(torch.tensor([[0, 0, 0, 0, 3, 4]]))[:, -1]
    assert torch.allclose(a, b, atol=1e-5)


def test_bert4rec_inference_appends_mask_token() -> None:
    model = BERT4Rec(TransformerConfig(n_items=N_ITEMS, max_len=4, hidden=8, n_heads=2))
    inp = model._inference_input(torch.tensor([[1, 2, 3, 4, 5]]))
    assert inp.tolist() == [[3, 4, 5, model.mask_id]]


def test_meta_fusion_switch_changes_item_table() -> None:
    data = tiny_data()
    plain = small("bert4rec", data)
    meta = small("meta-bert4rec", data)
    assert len(meta.items.features) == 2 and len(plain.items.features) == 0
    # items sharing metadata get correlated representations only with fusion on
    assert meta.items.table().shape == plain.items.table().shape


def test_left_pad_keeps_most_recent_items() -> None:
    out = left_pad([np.array([1, 2, 3]), np.array([7])], 2)
    assert out.tolist() == [[2, 3], [0, 7]]


def test_trainer_improves_and_checkpoint_roundtrip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Runs s, s+1, …, s+4: the next item is always "previous + 1" and never seen before
    # (seen items are masked in full ranking), a transition a sequential model learns fast.
    seqs = [np.arange(s, s + 5) for s in range(1, 21)]
    data = SeqDataset(
        "runs", seqs, 24, np.array([None, *range(1, 25)], dtype=object), np.arange(20)
    )
    model = build_model(
        "sasrec", data, TransformerConfig(n_items=24, max_len=5, hidden=16, n_heads=2, dropout=0.0)
    )
    result = train(
        model,
        data,
        TrainConfig(
            epochs=30, batch_size=8, lr=5e-3, early_stop_patience=None, val_protocol="full"
        ),
    )
    assert result.best_metric > 0.6  # validation NDCG@10; untrained ≈ 0.1
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, "sasrec", data, {"dataset": "cycle"})
    loaded = load_checkpoint(path)
    batch = next(data.eval_batches("test", 20))
    model.eval()
    assert torch.allclose(loaded.model.full_sort_predict(batch), model.full_sort_predict(batch))


def test_popularity_sampled_negatives_follow_training_counts() -> None:
    data = tiny_data()
    cfg = default_config("sasrec", data)
    assert isinstance(cfg, TransformerConfig)
    cfg = dataclasses.replace(
        cfg, hidden=8, max_len=6, ce_negatives=4, ce_sampling="popularity", ce_pop_alpha=1.0
    )
    model = build_model("sasrec", data, cfg)
    counts = data.popularity()[1:].astype(float)
    expected = np.maximum(counts, 1.0) / np.maximum(counts, 1.0).sum()
    assert isinstance(model, SASRec)
    got = model.neg_weights.numpy() / model.neg_weights.numpy().sum()
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    loss = model.calculate_loss(
        next(data.train_batches(4, model.train_width, np.random.default_rng(0)))
    )
    assert torch.isfinite(loss) and loss.item() > 0
    # The buffer is derived from the data, not saved: checkpoints stay loadable either way.
    assert "neg_weights" not in model.state_dict()
    with pytest.raises(ValueError, match="training counts"):
        SASRec(cfg)


def test_refit_puts_the_validation_item_back_into_training() -> None:
    data = tiny_data()
    user = int(data.eval_users()[0])
    seq = data.sequences[user]
    assert list(data.train_sequence(user)) == list(seq[:-2])
    refit = dataclasses.replace(data, holdout=1)
    assert list(refit.train_sequence(user)) == list(seq[:-1])
    # The test split does not move: the same history and target either way.
    h2, t2 = data.history_and_target(user, "test")
    h1, t1 = refit.history_and_target(user, "test")
    assert t1 == t2 and list(h1) == list(h2)

    # run_experiment tests with 100 sampled negatives: a catalogue larger than that.
    rng = np.random.default_rng(1)
    seqs = [rng.integers(1, 151, size=6) for _ in range(8)]
    big = SeqDataset(
        "refit", seqs, 150, np.array([None, *range(1, 151)], dtype=object), np.arange(8)
    )
    cfg = TransformerConfig(n_items=150, hidden=8, max_len=6, n_heads=2, n_layers=1)
    result, _ = run_experiment(
        "sasrec", big, TrainConfig(epochs=2, batch_size=4), cfg, log=False, refit_with_valid=True
    )
    assert result.refit is not None and result.refit["epochs"] == result.train["best_epoch"]


def test_lr_by_epoch_is_replayed_and_the_refit_replays_phase_1s_plateau_halvings() -> None:
    rng = np.random.default_rng(1)
    seqs = [rng.integers(1, 151, size=6) for _ in range(8)]
    big = SeqDataset(
        "replay", seqs, 150, np.array([None, *range(1, 151)], dtype=object), np.arange(8)
    )
    cfg = TransformerConfig(n_items=150, hidden=8, max_len=6, n_heads=2, n_layers=1)
    seen: list[float] = []
    model = build_model("sasrec", big, cfg)
    train(
        model,
        big,
        TrainConfig(epochs=3, batch_size=4, lr_by_epoch=(1e-3, 5e-4, 2.5e-4)),
        on_epoch=lambda r: seen.append(r.lr),
    )
    assert seen == [1e-3, 5e-4, 2.5e-4]
    # patience 0: the LR halves after every eval that does not improve
    tc = TrainConfig(epochs=6, batch_size=4, plateau_patience=0, early_stop_patience=None)
    result, _ = run_experiment("sasrec", big, tc, cfg, log=False, refit_with_valid=True)
    best = result.train["best_epoch"]
    assert result.refit is not None and result.refit["lrs"] == [
        r["lr"] for r in result.train["history"][:best]
    ]


def test_benchmark_flags_build_the_configs() -> None:
    import argparse

    from recsys_tools.seqrec.cli_args import add_training_args, configs_from_args, run_tag

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="sasrec")
    add_training_args(ap, max_len=200)
    args = ap.parse_args(["--ce-negatives", "30", "--ce-sampling", "popularity", "--refit"])
    cfg, train_cfg = configs_from_args("sasrec", tiny_data(), args, val_protocol="sampled")
    assert isinstance(cfg, TransformerConfig)
    assert (cfg.max_len, cfg.ce_negatives, cfg.ce_sampling) == (200, 30, "popularity")
    assert train_cfg.val_protocol == "sampled" and train_cfg.max_minutes == 25.0
    assert run_tag(args) == "sasrec-neg30pop1-refit"
    args = ap.parse_args(["--ce-negatives", "256", "--loss", "gbce", "--gbce-t", "0.5"])
    cfg, _ = configs_from_args("sasrec", tiny_data(), args, val_protocol="full")
    assert isinstance(cfg, TransformerConfig) and (cfg.loss, cfg.gbce_t) == ("gbce", 0.5)
    assert run_tag(args) == "sasrec-neg256-gbce0.5"
    cfg, _ = configs_from_args("sasrec-bce", tiny_data(), ap.parse_args([]), "full")
    assert isinstance(cfg, TransformerConfig) and cfg.loss == "bce"  # the kind's own loss


def _cold_encoder(fusion: Fusion, id_dropout: float = 0.0) -> ItemEncoder:
    """Items 1..6 with (city, type) metadata; items 1 and 4 share theirs, item 2 does not."""
    codes = torch.tensor([[0, 0], [1, 1], [2, 1], [3, 2], [1, 1], [2, 2], [3, 1]])  # [7 2]
    torch.manual_seed(0)
    return ItemEncoder(6, 8, codes, (4, 3), fusion, n_extra=1, id_dropout=id_dropout)


@pytest.mark.parametrize("fusion", ["concat", "sum", "gate"])
def test_fusion_variants_shapes_and_gradients(fusion: Fusion) -> None:
    enc = _cold_encoder(fusion)
    table = enc.table()
    assert table.shape == (8, 8)  # padding + 6 items + [MASK]
    table[1:7].sum().backward()
    for emb in enc.features:
        assert isinstance(emb, nn.Embedding) and emb.weight.grad is not None
        assert emb.weight.grad.abs().sum() > 0  # metadata is trained through the table


@pytest.mark.parametrize("fusion", ["concat", "sum", "gate"])
def test_cold_items_are_scored_from_their_metadata(fusion: Fusion) -> None:
    # A cold item's ID row carries nothing (zeroed here); its output score must then come
    # from its metadata through the tied output table: same metadata, same score; other
    # metadata, another score. Without fusion all cold items tie.
    torch.manual_seed(0)
    data = tiny_data()
    kinds: tuple[ModelKind, ...] = ("meta-bert4rec", "bert4rec")
    for kind in kinds:
        base = default_config(kind, data)
        assert isinstance(base, TransformerConfig)
        cfg = dataclasses.replace(
            base,
            hidden=8,
            max_len=6,
            n_layers=1,
            dropout=0.0,
            fusion=fusion if kind == "meta-bert4rec" else "none",
        )
        model = build_model(kind, data, cfg).eval()
        assert isinstance(model, BERT4Rec)
        # items 3 and 9 share city (x % 3 = 0) and type (x % 2 = 1); item 4 differs in both
        with torch.no_grad():
            model.items.item.weight[[3, 4, 9]] = 0.0
        scores = model.full_sort_predict(tiny_batch(data))  # [B N+1]
        assert torch.allclose(scores[:, 3], scores[:, 9], atol=1e-5)
        if kind == "meta-bert4rec":
            assert not torch.allclose(scores[:, 3], scores[:, 4], atol=1e-4)
            assert scores[:, 3].abs().max() > 1e-4
        else:
            assert torch.allclose(scores[:, [3, 4, 9]], torch.zeros(4, 3), atol=1e-6)


def test_id_dropout_only_in_training_and_never_on_padding_or_mask() -> None:
    enc = _cold_encoder("sum", id_dropout=0.5)
    enc.eval()
    assert torch.equal(enc.table(), enc.table())  # deterministic at inference
    side = _cold_encoder("sum", id_dropout=0.5)
    with torch.no_grad():
        side.item.weight.zero_()
    side_only = side.eval().table()  # metadata part of every row
    enc.train()
    torch.manual_seed(1)
    dropped_any = False
    for _ in range(20):
        table = enc.table()
        full = enc.item.weight + side_only
        # padding and [MASK] always keep their ID embedding
        assert torch.allclose(table[[0, 7]], full[[0, 7]])
        # every item row is either the full sum or the metadata alone
        for row in range(1, 7):
            is_full = torch.allclose(table[row], full[row])
            is_side = torch.allclose(table[row], side_only[row])
            assert is_full or is_side
            dropped_any |= is_side
    assert dropped_any
    with pytest.raises(ValueError):
        _cold_encoder("sum", id_dropout=1.0)
    # without metadata the switch is off: dropping an ID would leave the item empty
    plain = ItemEncoder(6, 8, fusion="none", id_dropout=0.5).train()
    assert torch.equal(plain.table(), plain.item.weight)


def test_cli_knobs_reach_the_meta_model_only() -> None:
    from recsys_tools.travel import TransformerKnobs, travel_model_config

    data = tiny_data()
    knobs = TransformerKnobs(dropout=0.4, fusion="sum", id_dropout=0.3)
    plain = travel_model_config("bert4rec", data, knobs)
    meta = travel_model_config("meta-bert4rec", data, knobs)
    assert (plain.dropout, plain.fusion, plain.id_dropout) == (0.4, "none", 0.0)
    assert (meta.dropout, meta.fusion, meta.id_dropout) == (0.4, "sum", 0.3)
    default = travel_model_config("meta-bert4rec", data)
    assert (default.dropout, default.fusion) == (0.2, "sum")
    assert travel_model_config("ncf", data, knobs) == default_config("ncf", data)


def test_paired_difference_per_seed() -> None:
    from evals.recsys import paired

    out = paired([0.30, 0.20, 0.25], [0.20, 0.22, 0.20])
    assert out["per_seed"] == pytest.approx([0.10, -0.02, 0.05])
    assert out["mean"] == pytest.approx(0.13 / 3)
    # sample stdev of (0.10, -0.02, 0.05) is 0.0602771..., over sqrt(3)
    assert out["se"] == pytest.approx(0.06027714 / 3**0.5, rel=1e-6)
    assert out["wins"] == 2
    assert paired([0.1], [0.2])["se"] is None


def test_run_experiment_is_reproducible_whatever_ran_before() -> None:
    data = tiny_data()
    cfg = TrainConfig(epochs=1, batch_size=4, seed=3, early_stop_patience=1, val_protocol="full")
    model_cfg = dataclasses.replace(
        default_config("sasrec", data),  # type: ignore[type-var]
        hidden=8,
        max_len=6,
        n_layers=1,
    )
    first, _ = run_experiment("sasrec", data, cfg, model_cfg, log=False, test_negatives=5)
    torch.rand(1000)  # draws from the global RNG, as an earlier run in the process would
    second, _ = run_experiment("sasrec", data, cfg, model_cfg, log=False, test_negatives=5)
    assert first.test_full == second.test_full
    assert first.train["history"][0]["loss"] == second.train["history"][0]["loss"]


def test_multiplicative_schedule_holds_then_decays() -> None:
    from recsys_tools.seqrec.trainer import make_scheduler

    def lrs(schedule: str) -> list[float]:
        opt = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=1.0)
        cfg = TrainConfig(schedule=schedule, lr=1.0, gamma=0.5, hold_epochs=3)  # type: ignore[arg-type]
        sched, per_batch = make_scheduler(opt, cfg, steps_per_epoch=1)
        assert sched is not None and not per_batch
        out = []
        for _ in range(6):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return out

    assert lrs("multiplicative") == [1.0, 1.0, 1.0, 0.5, 0.25, 0.125]
    assert lrs("exponential") == [1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125]


def test_refit_only_flag_gives_the_refit_config_with_the_given_lrs() -> None:
    import argparse

    from recsys_tools.seqrec.cli_args import (
        add_training_args,
        configs_from_args,
        parse_lr_schedule,
        run_tag,
    )

    assert parse_lr_schedule("0.001x2, 0.0005x1,0.0001") == (1e-3, 1e-3, 5e-4, 1e-4)
    with pytest.raises(ValueError):
        parse_lr_schedule("x")
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="sasrec")
    add_training_args(ap)
    args = ap.parse_args(["--refit-only", "0.001x3,0.0005x2", "--plateau", "4", "--minutes", "5"])
    _, tc = configs_from_args("sasrec", tiny_data(), args, val_protocol="full")
    assert tc.lr_by_epoch == (1e-3,) * 3 + (5e-4,) * 2 and tc.epochs == 5
    assert (tc.plateau_patience, tc.early_stop_patience, tc.max_minutes) == (None, None, None)
    assert "refitonly" in run_tag(args)
