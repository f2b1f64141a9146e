"""One reader and one writer for every baseline file: a baseline of another kind is refused
by name, whichever reader it reaches, and a write leaves no partial file behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postdeploy.baseline.document import read_baseline_document, write_baseline_document
from postdeploy.baseline.store import read_load_baseline
from postdeploy.contract.baseline import read_contract_baseline
from postdeploy.errors import BaselineError


def test_each_reader_refuses_the_others_baseline_by_kind(tmp_path: Path) -> None:
    contract = tmp_path / "contract.json"
    write_baseline_document(contract, json.dumps({"kind": "postdeploy-contract-baseline"}))
    load = tmp_path / "load-quick.json"
    write_baseline_document(load, json.dumps({"kind": "postdeploy-load-baseline"}))
    with pytest.raises(BaselineError, match=r"not a load baseline \(kind='postdeploy-contract"):
        read_load_baseline(contract)
    with pytest.raises(BaselineError, match=r"not a contract baseline \(kind='postdeploy-load"):
        read_contract_baseline(load)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["contract.json", "load-quick.json"]


@pytest.mark.parametrize("text", ["[1, 2]", '"a string"', "null"])
def test_json_that_is_not_an_object_is_not_a_baseline(tmp_path: Path, text: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(BaselineError, match=r"not a load baseline \(kind=None\)"):
        read_baseline_document(path, kind="k", versions=(1,), what="load baseline", stage="load")
