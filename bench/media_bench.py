"""Authoring and media figures (issue 19): what a phone downloads, and what an upload costs.

    python -m bench.media_bench

- Time to process a 12-megapixel photo upload (4000×3000 JPEG with EXIF): check by content,
  turn upright, strip metadata, resize to 1280 px and make the 640 px variant (median of 3).
- First-load weight of a learner's lesson page with 3 uploaded photos, in Chromium at 360 px
  wide (device pixel ratio 1 and 2): every byte the browser received (HTML, CSS, JS, images,
  uncompressed as served), before and after scrolling to the end (images are lazy).
- The same lesson page without media, and the authoring page of a lesson with the editor
  (1280 px wide, desktop).

Needs Playwright and Chromium (/usr/bin/chromium). Prints the figures and writes them to
bench/results/media-<date>.json.
"""

from __future__ import annotations

import io
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LMS_SECRET_KEY", "bench-secret-key-0123456789abcdef")
PASSWORD = "bench-password-123"


def photo(width: int = 4000, height: int = 3000, seed: int = 0) -> bytes:
    """A synthetic photo: smooth gradients, shapes and sensor-like noise, saved as a camera
    would (JPEG quality 92, EXIF with orientation and GPS)."""
    from PIL import Image, ImageDraw, ImageFilter

    small = Image.new("RGB", (width // 8, height // 8))
    draw = ImageDraw.Draw(small)
    for y in range(small.height):
        draw.line([(0, y), (small.width, y)], fill=(90 + y % 120, 120 + (y * 3 + seed * 40) % 100, 160 - y % 90))
    for i in range(40):
        x, y = (i * 97 + seed * 31) % small.width, (i * 61 + seed * 17) % small.height
        draw.ellipse([x, y, x + 20 + i * 3, y + 15 + i * 2], fill=((i * 53) % 255, (i * 29) % 255, (i * 71) % 255))
    image = small.resize((width, height), Image.BICUBIC).filter(ImageFilter.GaussianBlur(1))
    noise = Image.effect_noise((width, height), 12).convert("RGB")
    image = Image.blend(image, noise, 0.08)
    exif = Image.Exif()
    exif[0x010F] = "Phone"
    exif[0x0112] = 1
    exif[0x8825] = {1: "N", 2: (17.0, 28.0, 0.0), 3: "E", 4: (106.0, 36.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def bench_processing(data: bytes) -> dict:
    from lms.catalog import media

    times, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        media.check_file("photo.jpg", data, decode=False)  # as an upload does; process_image decodes
        result = media.process_image(data)
        times.append(time.perf_counter() - start)
    return {"input_kb": round(len(data) / 1024, 1), "megapixels": 12.0,
            "seconds_median": round(statistics.median(times), 3),
            "output_kb": round(len(result.data) / 1024, 1), "phone_kb": round(len(result.phone) / 1024, 1),
            "output_size": [result.width, result.height]}


def _serve(app):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_port}"


def _first_load(browser, base: str, path: str, *, width: int, dpr: float, login: str, scroll: bool) -> dict:
    context = browser.new_context(viewport={"width": width, "height": 740 if width < 500 else 900},
                                  device_scale_factor=dpr)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit], form:not([action]) button[type=submit]")
    page.wait_for_load_state("networkidle")
    # A first visit: nothing from the login page's cache (the stylesheet counts again).
    context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
    received: list[tuple[str, int]] = []

    def on_response(response):
        try:
            received.append((response.url, len(response.body())))
        except Exception:  # noqa: BLE001 (a redirect has no body)
            received.append((response.url, 0))

    page.on("response", on_response)
    page.goto(base + path, wait_until="networkidle")
    first = sum(size for _url, size in received)
    images = [u.split("/files/", 1)[-1] for u, _s in received if "/files/" in u]
    after = None
    if scroll:
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        after = sum(size for _url, size in received)
        images = [u.split("/files/", 1)[-1] for u, _s in received if "/files/" in u]
    offsite = [u for u, _s in received if not u.startswith(base)]
    context.close()
    return {"kb": round(first / 1024, 1), "kb_after_scroll": round(after / 1024, 1) if after else None,
            "requests": len(received), "images": images, "offsite": offsite}


def main(argv=None) -> dict:
    from playwright.sync_api import sync_playwright

    from bench.catalog_bench import _app
    from lms.auth import services as auth_services
    from lms.catalog import services as catalog_services
    from lms.catalog.models import Course, Lesson
    from lms.extensions import db

    photos = [photo(seed=i) for i in range(3)]
    figures: dict = {"processing_12mp": bench_processing(photos[0])}
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(f"sqlite:///{Path(tmp) / 'media.db'}")
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
        with app.app_context():
            catalog_services.import_courses([ROOT / "courses" / "lam-quen-ocop"])
            auth_services.create_user(name="Tác giả", email="trainer@example.vn", roles=["trainer"], password=PASSWORD)
            learner = auth_services.create_user(name="Học viên", email="learner@example.vn", roles=["learner"],
                                                password=PASSWORD)
            course = db.session.scalar(db.select(Course))
            catalog_services.enrol(learner, course)
            lesson = db.session.scalar(db.select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position))
            lesson_id, module_id, plain = lesson.id, lesson.module_id, lesson.slug
            db.session.commit()
        client = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"login": "trainer@example.vn", "password": PASSWORD, "csrf_token": token})
        paths = []
        for i, data in enumerate(photos):
            page = client.get("/author/courses/lam-quen-ocop").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            answer = client.post("/author/courses/lam-quen-ocop/files", headers={"Accept": "application/json"},
                                 data={"csrf_token": token, "file": (io.BytesIO(data), f"anh-{i}.jpg")},
                                 content_type="multipart/form-data")
            paths.append(answer.get_json()["markdown_path"])
            answer.close()
        words = " ".join(["Bao bì sản phẩm OCOP cần ghi rõ tên, thành phần, hạn dùng và nơi sản xuất."] * 12)
        body = "\n\n".join(f"## Ảnh {i + 1}\n\n{words}\n\n![Bao bì mẫu {i + 1}]({p})" for i, p in enumerate(paths))
        page = client.get(f"/author/courses/lam-quen-ocop/lessons/{lesson_id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        saved = client.post("/author/courses/lam-quen-ocop/lessons/new", data={
            "csrf_token": token, "slug": "ba-anh", "module": str(module_id), "title": "Bài có ba ảnh",
            "minutes": "5", "required": "y", "body_md": body, "action": "save"})
        assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]

        server, thread, base = _serve(app)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium"),
                                             headless=True, args=["--no-sandbox", "--disable-gpu"])
                lesson_path = "/courses/lam-quen-ocop/lessons/ba-anh"
                figures["lesson_3_photos_360px_dpr1"] = _first_load(browser, base, lesson_path, width=360, dpr=1,
                                                                    login="learner@example.vn", scroll=True)
                figures["lesson_3_photos_360px_dpr2"] = _first_load(browser, base, lesson_path, width=360, dpr=2,
                                                                    login="learner@example.vn", scroll=True)
                figures["lesson_no_media_360px"] = _first_load(browser, base, f"/courses/lam-quen-ocop/lessons/{plain}",
                                                               width=360, dpr=1, login="learner@example.vn", scroll=False)
                figures["authoring_lesson_page_1280px"] = _first_load(
                    browser, base, f"/author/courses/lam-quen-ocop/lessons/{lesson_id}", width=1280, dpr=1,
                    login="trainer@example.vn", scroll=False)
                browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=5)
            server.server_close()

    p = figures["processing_12mp"]
    print(f"12 MP photo ({p['input_kb']} KB): processed in {p['seconds_median']} s (median of 3) → "
          f"{p['output_size'][0]}×{p['output_size'][1]} {p['output_kb']} KB + phone variant {p['phone_kb']} KB")
    for name, f in figures.items():
        if name == "processing_12mp":
            continue
        after = f" ({f['kb_after_scroll']} KB after scrolling to the end)" if f["kb_after_scroll"] else ""
        print(f"{name}: first load {f['kb']} KB{after}, {f['requests']} requests, images {f['images']}, "
              f"other hosts: {len(f['offsite'])}")
    if __name__ == "__main__":
        out = ROOT / "bench" / "results" / f"media-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"written to {out.relative_to(ROOT)}")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
