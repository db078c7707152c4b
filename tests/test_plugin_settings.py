"""The core's settings store for plugins (core.settings.PluginSettings), the settings pages built on it, WTForms'
Dutch messages, and the migrations that moved petra_setting and network_setting into it."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, inspect, select, text
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

from core.extensions import db
from core.forms import Form
from core.models import AuditEntry, Family, Organisation, PluginSetting, Team, User
from core.settings import PluginSettings, plugin_of_module

HELLO_DEFAULTS = {"days": 7, "greeting": "Hallo", "rate": Decimal("12.50"), "since": date(2025, 1, 1), "on": False}


def _store() -> PluginSettings:
    return PluginSettings(defaults=HELLO_DEFAULTS, plugin="hello")


def _rows(plugin: str = "hello") -> dict[str, str]:
    return dict(db.session.execute(select(PluginSetting.key, PluginSetting.value)
                                   .where(PluginSetting.plugin == plugin)).all())


# --------------------------------------------------------------------------- the store

def test_defaults_until_a_value_is_set(app):
    store = _store()
    assert store.all() == HELLO_DEFAULTS
    assert store.get("days") == 7 and _rows() == {}
    with pytest.raises(KeyError):
        store.get("undeclared")


def test_set_get_keeps_types_and_setting_the_default_again_deletes_the_row(app):
    store = _store()
    assert store.save({"days": 14, "greeting": "Dag", "rate": Decimal("13.75"), "since": date(2025, 9, 1),
                       "on": True}) == ["days", "greeting", "rate", "since", "on"]
    db.session.commit()
    fresh = _store()  # another object of the same plugin reads what was stored
    assert fresh.all() == {"days": 14, "greeting": "Dag", "rate": Decimal("13.75"), "since": date(2025, 9, 1),
                           "on": True}
    assert type(fresh.get("days")) is int and isinstance(fresh.get("rate"), Decimal)
    assert json.loads(_rows()["days"]) == 14
    assert fresh.set("days", 7) is True  # back to the default
    db.session.commit()
    assert "days" not in _rows() and fresh.get("days") == 7
    assert fresh.set("greeting", "Dag") is False  # unchanged: nothing written
    with pytest.raises(KeyError):
        fresh.save({"undeclared": 1})


def test_a_change_is_audited_without_the_value(app):
    _store().set("greeting", "Geheim woord")
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "plugin_setting"))
    assert entry.action == "update" and entry.detail == "hello: greeting"
    assert "Geheim" not in (entry.detail or "")


def test_an_unreadable_stored_value_falls_back_on_the_default(app):
    db.session.add_all([PluginSetting(plugin="hello", key="days", value='"veertien"'),
                        PluginSetting(plugin="hello", key="greeting", value="{not json")])
    db.session.commit()
    assert _store().get("days") == 7 and _store().get("greeting") == "Hallo"


def test_a_default_may_come_from_the_app_config(app_factory):
    from plugins.network.queries import SETTINGS, stale_months

    configured = app_factory(NETWORK_STALE_MONTHS=3)
    with configured.app_context():
        assert SETTINGS.get("stale_months") == 3 and stale_months() == 3
        SETTINGS.set("stale_months", 9)
        db.session.commit()
        assert stale_months() == 9
        db.session.remove()


def test_values_are_read_once_per_request(app):
    store = _store()
    store.set("days", 10)
    db.session.commit()
    statements = []

    def count(conn, cursor, statement, *args):
        if "plugin_setting" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with app.test_request_context("/"):
            assert store.get("days") == 10 and store.get("greeting") == "Hallo" and store.all()["days"] == 10
            store.set("days", 11)  # a change in the same request is seen at once
            assert store.get("days") == 11
            db.session.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_the_plugin_is_found_from_the_module_that_declares_the_store(app):
    from plugins.network.queries import SETTINGS as network_settings
    from plugins.petra.logic import SETTINGS as petra_settings

    assert petra_settings.plugin == "petra" and network_settings.plugin == "network"
    assert plugin_of_module("plugins.groups.views") == "groups"
    with pytest.raises(LookupError):
        plugin_of_module("core.views")


# --------------------------------------------------------------------------- WTForms in Dutch

class _ExampleForm(Form):
    class Meta:
        csrf = False

    amount = IntegerField("Aantal", validators=[NumberRange(1, 10)])
    name = StringField("Naam", validators=[DataRequired(), Length(min=3)])
    code = StringField("Code", validators=[Regexp(r"^\d+$")])


def test_built_in_messages_are_dutch(app):
    with app.test_request_context("/", method="POST", data={"amount": "40", "name": "An", "code": "x"}):
        form = _ExampleForm()
        assert not form.validate()
        assert form.amount.errors == ["Geef een getal tussen 1 en 10."]
        assert form.name.errors == ["Minstens 3 tekens."]
        assert form.code.errors == ["Ongeldige invoer."]  # WTForms' own Dutch catalogue
    with app.test_request_context("/", method="POST", data={"amount": "veel"}):
        form = _ExampleForm()
        form.validate()
        assert form.amount.errors[0] == "Geef een geheel getal." and form.name.errors == ["Dit veld is verplicht."]


# --------------------------------------------------------------------------- the migrations keep the values

def test_petra_0002_and_network_0002_keep_settings_and_statuses_up_and_down(migration_app):
    from flask_migrate import downgrade, upgrade

    from plugins.network.queries import SETTINGS as NETWORK
    from plugins.petra.logic import SETTINGS as PETRA

    mig = migration_app
    with mig.app_context():
        upgrade(revision="core@head")
        upgrade(revision="costing@head")  # installed plugins' tables exist: costing logs writes to teams
        upgrade(revision="petra_0001")
        upgrade(revision="network_0001")
        team, fam = Team(name="PeTra"), Family(label="Peeters")
        org = Organisation(name="CGG Limburg", kind="cgg")
        user = User(username="marleen", display_name="Marleen", password_hash="x")
        db.session.add_all([team, fam, org, user])
        db.session.commit()
        ids = {"team": team.id, "fam": fam.id, "org": org.id, "user": user.id}
        db.session.execute(text(
            "INSERT INTO petra_setting (key, value, changed_at, changed_by_id) VALUES "
            "('max_months', '4', '2025-05-01 10:00:00', :user), ('sdq_ouder', '10,12', '2025-05-01 10:00:00', :user), "
            "('region', 'Genk,As', '2025-05-02 09:00:00', NULL), ('warn_days', 'veel', '2025-05-02 09:00:00', NULL)"),
            ids)
        db.session.execute(text(
            "INSERT INTO network_setting (name, value, updated_at, updated_by_id) "
            "VALUES ('stale_months', '6', '2025-06-01 08:00:00', :user)"), ids)
        for n, status in enumerate(("wachtlijst", "vraagverheldering", "lopend", "afgesloten", "doorverwezen",
                                    "niet_gestart"), start=1):
            db.session.execute(text(
                "INSERT INTO petra_trajectory (id, ref, team_id, family_id, status, phase, referred_on, "
                "referrer_kind, channel, indications, contra_indications, max_months, closure_accompanied, "
                "created_at, anonymised, version) VALUES (:id, :ref, :team, :fam, :status, 1, '2025-01-10', "
                "'school', 'rechtstreeks', '', '', 6, :f, '2025-01-10 09:00:00', :f, 1)"),
                dict(ids, id=n, ref=f"PT-2025-{n:04d}", status=status, f=False))
        for n, (waiting, outcome) in enumerate((("aangemeld", "open"), ("wachtlijst", "open"),
                                                ("gestart", "lopend"), ("gestart", "afgerond"),
                                                ("niet_gestart", "niet_opgenomen"), ("niet_gestart", "geweigerd"),
                                                ("gestart", "doorverwezen")), start=1):
            db.session.execute(text(
                "INSERT INTO network_referral (id, family_id, organisation_id, referred_on, accompanied, "
                "waiting_status, outcome, source, created_at, version) VALUES (:id, :fam, :org, '2025-02-01', "
                ":f, :w, :o, 'network', '2025-02-01 09:00:00', 1)"), dict(ids, id=n, w=waiting, o=outcome, f=False))
        db.session.execute(text(
            "INSERT INTO network_partner_change (id, organisation_id, at, object_type, object_id, action, field, "
            "old_value, new_value) VALUES (1, :org, '2025-03-01 10:00:00', 'referral', 3, 'update', "
            "'waiting_status', 'wachtlijst', 'gestart'), (2, :org, '2025-03-01 10:00:00', 'referral', 3, "
            "'update', 'outcome', 'open', 'lopend'), (3, :org, '2025-03-01 10:00:00', 'contact', 1, 'update', "
            "'phone', 'lopend', 'gestart')"), ids)
        db.session.commit()
        db.session.remove()  # end the read transaction: PostgreSQL would make the migration wait for it

        upgrade(revision="heads")
        db.session.remove()
        tables = set(inspect(db.engine).get_table_names())
        assert "plugin_setting" in tables and not {"petra_setting", "network_setting"} & tables
        assert _rows("petra") == {"max_months": "4", "sdq_ouder": '"10,12"', "region": '"Genk,As"'}
        assert _rows("network") == {"stale_months": "6"}
        assert PETRA.get("max_months") == 4 and PETRA.get("sdq_ouder") == "10,12" and PETRA.get("region") == "Genk,As"
        assert PETRA.get("warn_days") == 30  # "veel" was never a number: the default
        assert NETWORK.get("stale_months") == 6
        who = db.session.execute(select(PluginSetting.changed_by_id, PluginSetting.changed_at)
                                 .where(PluginSetting.key == "max_months")).one()
        assert who == (ids["user"], datetime(2025, 5, 1, 10, 0))
        statuses = db.session.execute(text("SELECT status FROM petra_trajectory ORDER BY id")).scalars().all()
        assert statuses == ["waiting", "clarifying", "ongoing", "closed", "referred", "not_started"]
        referrals = db.session.execute(text(
            "SELECT waiting_status, outcome FROM network_referral ORDER BY id")).all()
        assert [tuple(r) for r in referrals] == [
            ("registered", "open"), ("waiting", "open"), ("started", "ongoing"), ("started", "completed"),
            ("not_started", "declined"), ("not_started", "refused"), ("started", "referred")]
        log = db.session.execute(text(
            "SELECT old_value, new_value FROM network_partner_change ORDER BY id")).all()
        assert [tuple(r) for r in log] == [("Op de wachtlijst", "Hulp gestart"), ("Nog open", "Loopt"),
                                           ("lopend", "gestart")]  # a phone number is not a status
        db.session.remove()

        downgrade(revision="petra@petra_0001")
        downgrade(revision="network@network_0001")
        db.session.remove()
        back = dict(db.session.execute(text("SELECT key, value FROM petra_setting")).all())
        assert back == {"max_months": "4", "sdq_ouder": "10,12", "region": "Genk,As"}
        assert dict(db.session.execute(text("SELECT name, value FROM network_setting")).all()) == {
            "stale_months": "6"}
        assert db.session.execute(text("SELECT status FROM petra_trajectory ORDER BY id")).scalars().all() == [
            "wachtlijst", "vraagverheldering", "lopend", "afgesloten", "doorverwezen", "niet_gestart"]
        assert db.session.execute(text("SELECT outcome FROM network_referral WHERE id = 5")).scalar() == \
            "niet_opgenomen"
        assert db.session.execute(text("SELECT old_value FROM network_partner_change WHERE id = 1")).scalar() == \
            "wachtlijst"
        assert db.session.execute(text("SELECT count(*) FROM plugin_setting")).scalar() == 0
        db.session.remove()
        db.engine.dispose()
