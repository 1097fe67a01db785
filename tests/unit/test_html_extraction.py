"""An uploaded web page keeps its own content, not the site's navigation, banner, sidebar and footer."""

from __future__ import annotations

from workshop_app.services.rag.extraction import Kind, extract

PAGE = b"""<!doctype html><html><head><title>Llamas</title></head><body>
<header><a href="/">Farm Wiki</a><nav><ul><li>Home</li><li>Animals</li><li>Log in</li></ul></nav></header>
<div class="layout">
  <aside role="complementary"><h3>Related</h3><p>Alpacas</p></aside>
  <article><header><h1>Llama care</h1></header><p>Llamas eat hay and need a shelter.</p></article>
</div>
<footer><p>Copyright Farm Wiki</p><nav>Privacy, Terms</nav></footer>
</body></html>"""


def test_site_chrome_is_left_out_of_a_page_without_a_main_element() -> None:
    text = extract("care.html", PAGE, 1_000_000).text
    assert text == "Llama care\nLlamas eat hay and need a shelter."


def test_a_main_element_is_the_content() -> None:
    page = b"""<html><body><div role="banner">Farm Wiki</div><main><h1>Feeding</h1><p>Hay twice a day.</p>
    <nav>Next page</nav></main><div role="contentinfo">Contact us</div></body></html>"""
    extracted = extract("feeding.htm", page, 1_000_000)
    assert extracted.kind is Kind.HTML
    assert extracted.text == "Feeding\nHay twice a day."
