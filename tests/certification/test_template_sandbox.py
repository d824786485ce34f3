"""Administrators edit certificate templates: a template cannot reach the configuration,
the file system, the network or Python internals."""

from __future__ import annotations

import http.server
import io
import shutil
import threading
from pathlib import Path

import pypdf
import pytest

from lms.certification import rendering
from lms.certification.rendering import CertificateTemplateError, Printable
from tests.support.client import login

ROOT = Path(__file__).resolve().parents[2]
DETAILS = {
    "holder_name": "Nguyễn Thị Hường", "course_title": "Khóa học", "hours": 8, "completed_on": "2026-03-05",
    "issued_on": "2026-03-06", "expires_on": None, "issuer": "Sở", "signer_title": "Giám đốc",
    "signer_name": "Lê Văn Hòa", "place": "Quảng Trị", "decision_number": None, "decision_date": None,
}
CODE = "ABCDEFGHJKMNPQRSTVWXYZ012345"

HOSTILE = [
    "{{ config }}",
    "{{ config.SECRET_KEY }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ certificate.__class__ }}",
    "{{ certificate|attr('__class__') }}",
    "{{ settings.__class__.__base__.__subclasses__() }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum.__globals__.os.popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ joiner }}{{ namespace }}{{ range(3) }}{{ dict(a=1) }}",
    "{{ request.application.__globals__ }}",
    "{{ url_for.__globals__['current_app'].config }}",
    "{{ g }}{{ session }}",
    "{{ get_flashed_messages.__globals__ }}",
    "{{ '{0.__class__.__init__.__globals__}'.format(certificate) }}",
    "{{ '%s'.format }}{{ certificate.holder_name.__len__() }}",
    "{% set _ = certificate.update({'holder_name': 'x'}) %}",
    "{% set _ = settings.clear() %}",
    "{% include '../secret.txt' %}",
    "{% include '/etc/hostname' %}",
    "{% extends '../../lms/config.py' %}",
    "{% import '../secret.txt' as s %}",
]


@pytest.fixture
def templates_dir(app, tmp_path):
    base = tmp_path / "certificates"
    shutil.copytree(ROOT / "certificates", base)
    (tmp_path / "secret.txt").write_text("TOP-SECRET-FILE-CONTENT")
    app.config["CERTIFICATES_DIR"] = str(base)
    app.config["SECRET_KEY"] = "SUPER-SECRET-KEY-VALUE"
    return base


def _template(base: Path, body: str, css: str = "") -> str:
    folder = base / "hostile"
    folder.mkdir(exist_ok=True)
    (folder / "certificate.html").write_text(body, encoding="utf-8")
    (folder / "certificate.css").write_text(css, encoding="utf-8")
    rendering._environments.clear()  # a fresh loader per test folder
    return "hostile"


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_template_is_refused(app, templates_dir, body):
    name = _template(templates_dir, "<p>{{ certificate.holder_name }}</p>" + body)
    with app.app_context():
        with pytest.raises(CertificateTemplateError) as info:
            rendering.render_pdf(Printable(code=CODE, template=name, details=DETAILS))
    message = str(info.value)
    assert "SUPER-SECRET-KEY-VALUE" not in message and "TOP-SECRET" not in message


def test_a_plain_template_renders(app, templates_dir):
    name = _template(templates_dir, "<p>{{ certificate.holder_name }} {{ certificate.code }}"
                     " {{ certificate.completed_on.long }} {{ settings.items()|list|length }}</p>")
    with app.app_context():
        pdf = rendering.render_pdf(Printable(code=CODE, template=name, details=DETAILS))
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Nguyễn Thị Hường ABCD-EFGH" in text


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


def test_template_cannot_fetch_files_or_network(app, templates_dir, tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    secret = (tmp_path / "secret.txt").as_uri()
    body = f"""<html><head>
      <link rel="stylesheet" href="{url}/style.css">
      <link rel="attachment" href="{secret}">
      <link rel="attachment" href="file:///etc/hostname">
      <link rel="attachment" href="../../secret.txt">
      </head><body><p>{{{{ certificate.holder_name }}}}</p>
      <img src="{url}/pixel.png"><img src="{secret}"><object data="{secret}"></object>
      <a rel="attachment" href="{secret}">x</a></body></html>"""
    css = f'@import url("{url}/import.css"); @import url("{secret}"); p {{ background: url("{url}/bg.png"); }}'
    name = _template(templates_dir, body, css)
    try:
        with app.app_context():
            pdf = rendering.render_pdf(Printable(code=CODE, template=name, details=DETAILS))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert _Recorder.hits == []
    assert b"TOP-SECRET-FILE-CONTENT" not in pdf
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    assert "Nguyễn Thị Hường" in reader.pages[0].extract_text()


def test_a_broken_template_gives_a_clear_error_page_not_a_trace(
    app, client, users, make_course, make_person, complete, templates_dir
):
    name = _template(templates_dir, "{{ config.SECRET_KEY }}")
    code = complete(make_person(), make_course(template=name))
    login(client, "admin@example.vn")
    response = client.get(f"/certificates/{code}/pdf")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Không thể tạo giấy chứng nhận từ mẫu" in html
    assert "SUPER-SECRET-KEY-VALUE" not in html and "Traceback" not in html
