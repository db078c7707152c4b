"""The framework's floor: a bare Flask "hello" app, served by gunicorn beside the intranet (bench/pages_vs_bare.py)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
