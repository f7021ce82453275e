"""`slm-assistant usage`: answers asked through the CLI (real Core, fake model) are counted, and
the report comes out as text, JSON or the documented CSV; the policy can turn it off."""

from __future__ import annotations

import csv
import io
import json
import os

from desktop_app.config.paths import AppPaths
from desktop_app.core.usage_store import UsageStore
from desktop_app.services.usage_report import CSV_COLUMNS
from tests.unit.assistant_fakes import FakeGateway
from tests.unit.cli_fakes import fake_core, run_cli  # noqa: F401 (fixture)


def ask_two(fake_core, capsys) -> None:
    fake_core.backend_fake.enqueue("Paris.", "Blue, mostly.")
    assert run_cli(capsys, "ask", "What is the capital of France?")[0] == 0
    assert run_cli(capsys, "ask", "What colour is the sky?")[0] == 0


def test_answers_asked_on_the_command_line_are_counted(fake_core, capsys):
    ask_two(fake_core, capsys)
    code, out, err = run_cli(capsys, "usage", "--csv")
    assert code == 0 and err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["granularity"] for r in rows] == ["day", "week", "total"]
    total = rows[-1]
    assert (total["answers_device"], total["answers_cloud"], total["kept_policy"]) == ("2", "0", "0")
    assert int(total["completion_tokens_device"]) > 0 and int(total["prompt_tokens_device"]) > 0
    assert total["cost_avoided_usd"] == ""  # no cloud model and no price: no estimate

    code, out, _ = run_cli(capsys, "usage", "--json")
    data = json.loads(out)
    assert data["total"]["device"]["answers"] == 2 and data["price"] is None and len(data["days"]) == 1

    code, out, _ = run_cli(capsys, "usage")
    assert code == 0 and "Answers: 2 on this device, 0 in the cloud" in out and "no cloud price is known" in out
    assert "capital" not in out


def test_cloud_answers_and_a_price_give_the_estimate(fake_core, capsys):
    fake_core.with_gateway(FakeGateway(model="gpt-4o-mini").enqueue("One two three four."))
    fake_core.backend_fake.enqueue("Local.")
    assert run_cli(capsys, "config", "set", "routing.cloud.model", "gpt-4o-mini")[0] == 0
    assert run_cli(capsys, "ask", "--route", "cloud", "--yes", "Write an essay")[0] == 0
    out = run_cli(capsys, "usage", "--json")[1]
    total = json.loads(out)["total"]
    assert total["cloud"]["answers"] == 1 and total["cloud"]["completion_tokens"] == 4
    assert json.loads(out)["price"]["source"] == "gpt-4o-mini"
    assert total["cloud_spend_usd"] > 0 and total["cost_avoided_usd"] == 0


def test_since_filters_and_a_bad_date_is_one_plain_line(fake_core, capsys):
    ask_two(fake_core, capsys)
    code, out, _ = run_cli(capsys, "usage", "--since", "2999-01-01")
    assert code == 0 and out.startswith("No answers recorded since 2999-01-01")
    code, out, err = run_cli(capsys, "usage", "--since", "yesterday-ish")
    assert code != 0 and out == "" and err.count("\n") == 1 and "is not a date" in err


def test_policy_turns_the_ledger_and_the_report_off(fake_core, capsys, tmp_path):
    policy = tmp_path / "no-policy.json"  # the file conftest points SLM_ASSISTANT_POLICY_FILE at
    assert os.environ["SLM_ASSISTANT_POLICY_FILE"] == str(policy)
    policy.write_text(json.dumps({"usage": {"enabled": False}}))
    ask_two(fake_core, capsys)
    code, out, err = run_cli(capsys, "usage")
    assert code != 0 and "turned off by your organization" in err and "Traceback" not in err
    assert not AppPaths.resolve().usage_db.exists()
    code, _, err = run_cli(capsys, "config", "set", "usage.enabled", "true")
    assert code != 0 and "managed by your organization" in err.lower()


def test_old_rows_past_the_retention_period_are_gone(fake_core, capsys):
    ask_two(fake_core, capsys)
    with UsageStore(AppPaths.resolve().usage_db) as store:
        rows = store.records()
        store.add_many([type(rows[0])(**{**rows[0].__dict__, "at": rows[0].at - 400 * 86400})])
        assert store.count() == 3
    out = run_cli(capsys, "usage", "--json")[1]
    assert json.loads(out)["total"]["device"]["answers"] == 2
