"""The bare Flask app the throughput figures are compared with (``gunicorn bench.hello_app:app``)."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"


@app.route("/healthz")
def healthz():
    return "ok"
