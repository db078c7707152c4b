"""Alembic environment: one tree, a branch per plugin (each plugin's versions folder is added by the core).

``-x only=<plugin>`` (or ``-x only=core``) limits autogenerate to that branch's tables, so a plugin's
revision never picks up another plugin's tables.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def _only_filter():
    only = context.get_x_argument(as_dictionary=True).get("only")
    if not only:
        return None
    plugin_names = current_app.extensions["hvhk_plugins"].names

    def owner(table_name: str) -> str:
        for name in plugin_names:
            if table_name.startswith(name + "_"):
                return name
        return "core"

    def include_object(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        table_name = getattr(table, "name", name)
        return owner(table_name) == only

    return include_object


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_db.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    include = _only_filter()
    if include:
        conf_args["include_object"] = include

    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":  # a migration may rebuild a large table: no request timeouts
                connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
                connection.exec_driver_sql("SET LOCAL idle_in_transaction_session_timeout = 0")
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
