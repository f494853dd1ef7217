"""Citations: the bibliography parses and checks, pages cite by key, posts say how to cite them."""

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from mkdocs.exceptions import PluginError

from notesbuild import bib

ROOT = Path(__file__).resolve().parent.parent

SAMPLE = r"""
% a comment with an @ sign, ignored
@comment{anything {here}}

@inproceedings{ho2020ddpm,
  author    = {Ho, Jonathan and Jain, Ajay and Abbeel, Pieter},
  title     = {Denoising Diffusion Probabilistic Models},
  booktitle = {NeurIPS},
  year      = 2020,
  eprint    = {2006.11239},
}

@article{vincent2011connection,
  author  = "Vincent, Pascal",
  title   = {A Connection Between Score Matching and {Denoising} Autoencoders},
  journal = {Neural Computation}, volume = {23}, number = {7}, pages = {1661--1674},
  year    = {2011},
  doi     = {10.1162/NECO_a_00142}
}

@misc{team2024herd,
  author = {{Llama Team, AI @ Meta}},
  title  = {The Llama 3 Herd of Models},
  year   = {2024},
  eprint = {2407.21783},
}

@online{su2021blog,
  author       = {苏剑林},
  title        = {Transformer 升级之路},
  organization = {科学空间},
  year         = {2021},
  url          = {https://kexue.fm/archives/8265},
}

@misc{black2022gptneox,
  author = {Black, Sid and Biderman, Stella and others},
  title  = {{GPT-NeoX-20B}: An Open-Source Model},
  year   = {2022},
  eprint = {2204.06745},
}
"""


@pytest.fixture
def entries():
    return bib.parse(SAMPLE, "test.bib")


# ---------------------------------------------------------------- parsing

def test_parse_reads_fields_names_and_skips_comments(entries):
    assert list(entries) == ["ho2020ddpm", "vincent2011connection", "team2024herd", "su2021blog", "black2022gptneox"]
    ho = entries["ho2020ddpm"]
    assert (ho.type, ho.line, ho.fields["year"], ho.fields["eprint"]) == ("inproceedings", 5, "2020", "2006.11239")
    assert ho.author_text() == "Jonathan Ho, Ajay Jain, Pieter Abbeel"
    assert entries["vincent2011connection"].text("title") == "A Connection Between Score Matching and Denoising Autoencoders"
    assert entries["team2024herd"].author_text() == "Llama Team, AI @ Meta"
    assert entries["black2022gptneox"].author_text() == "Sid Black, Stella Biderman, et al."


def test_render_entry_with_venue_and_links(entries):
    assert entries["ho2020ddpm"].html() == (
        'Jonathan Ho, Ajay Jain, Pieter Abbeel. <em>Denoising Diffusion Probabilistic Models</em>. NeurIPS, 2020. '
        '<a href="https://arxiv.org/abs/2006.11239">arXiv:2006.11239</a>')
    assert entries["vincent2011connection"].venue_text() == "Neural Computation 23(7), 1661–1674, 2011"
    assert '<a href="https://doi.org/10.1162/NECO_a_00142">doi:10.1162/NECO_a_00142</a>' in \
        entries["vincent2011connection"].html()
    # Chinese titles in 《》, a blog links its url; "et al." is not followed by a second period
    assert entries["su2021blog"].html() == ('苏剑林. 《Transformer 升级之路》. 科学空间, 2021. '
                                            '<a href="https://kexue.fm/archives/8265">https://kexue.fm/archives/8265</a>')
    assert entries["black2022gptneox"].html().startswith("Sid Black, Stella Biderman, et al. <em>GPT-NeoX-20B:")
    assert entries["ho2020ddpm"].short() == "Ho et al. 2020. Denoising Diffusion Probabilistic Models"


def test_duplicate_key_names_both_lines():
    text = "@misc{a, author={X, Y}, title={T}, year={2020}, eprint={2001.00001}}\n\n" * 2
    with pytest.raises(bib.BibError, match=r"test.bib:3: duplicate key 'a' \(first defined on line 1\)"):
        bib.parse(text, "test.bib")


@pytest.mark.parametrize("text, message", [
    ("@misc{k, author={A, B}, year={2020}, eprint={2001.00001}}", r"test.bib:1: entry 'k': @misc lacks title"),
    ("@misc{k, author={A, B}, title={T}, year={20}, eprint={2001.00001}}", r"entry 'k': year '20' is not a four-digit"),
    ("@misc{k, author={A, B}, title={T}, year={2020}}", r"entry 'k': needs a link"),
    ("@misc{k, author={A, B}, title={T}, year={2020}, eprint={abc}}", r"entry 'k': eprint 'abc' is not an arXiv id"),
    ("@misc{k, author={A, B}, title={T}, year={2020}, doi={x/y}}", r"entry 'k': doi 'x/y' does not look like"),
    ("@misc{k, author={A, B}, titel={T}, year={2020}, eprint={2001.00001}}", r"entry 'k': @misc lacks title"),
    ("@misc{k, author={A, B}, title={T}, year={2020}, eprint={2001.00001}, jounral={J}}",
     r"entry 'k': unknown field jounral"),
    ("@inproceedings{k, author={A, B}, title={T}, year={2020}, eprint={2001.00001}}", r"@inproceedings lacks booktitle"),
    ("@thesis{k, author={A, B}, title={T}, year={2020}, eprint={2001.00001}}", r"entry 'k': unknown type @thesis"),
    ("\n\n@misc{k, author={A, B}, title={T, year={2020}}", r"test.bib:3: entry 'k'.*(unbalanced|not closed|expected)"),
    ("@misc{k author={A}}", r"test.bib:1: entry 'k': Expected comma after entry key"),
    ("@misc{k, author={A, B}, title={T}, year={2020}, month=janvier, eprint={2001.00001}}",
     r"test.bib:1: entry 'k', field 'month': 'janvier' is a macro this site does not define"),
    ("@misc{k, author={A, B}, title=T, year={2020}, eprint={2001.00001}}", r"field 'title': 'T' is a macro"),
    ("@misc{k, author={A, B}, title={T}, year={2020}, eprint={1.2}, eprinttype={HAL}}", r"is not an arXiv id"),
    ("@misc{k, author={A, B}, title={T}, year={2020}, eprint={2001.00001}, eprinttype={HAL}}",
     r"only arXiv eprints are linked \(eprinttype"),
    ("@misc{k, title={A} # {B}}", r"'#' concatenation is not supported"),
    ("@misc{k, title={A}, title={B}}", r"field 'title' is given twice"),
    ("@misc{, title={A}}", r"test.bib:1: @misc entry has no key"),
    ("@string{x = {y}}", r"@string is not supported"),
])
def test_malformed_entry_names_file_line_and_key(text, message):
    with pytest.raises(bib.BibError, match=message):
        bib.parse(text, "test.bib")


# A real DBLP export, pasted as DBLP gives it: names "First Last" over several lines, a TeX accent,
# archivePrefix in camel case, and the export's own bookkeeping (timestamp, biburl, bibsource).
DBLP = r"""
@article{DBLP:journals/corr/ShiCHTABRW16,
  author    = {Wenzhe Shi and
               Jose Caballero and
               Ferenc Husz{\'{a}}r and
               Johannes Totz and
               Andrew P. Aitken and
               Rob Bishop and
               Daniel Rueckert and
               Zehan Wang},
  title     = {Real-Time Single Image and Video Super-Resolution Using an Efficient
               Sub-Pixel Convolutional Neural Network},
  journal   = {CoRR},
  volume    = {abs/1609.05158},
  year      = {2016},
  url       = {http://arxiv.org/abs/1609.05158},
  archivePrefix = {arXiv},
  eprint    = {1609.05158},
  timestamp = {Mon, 13 Aug 2018 16:47:09 +0200},
  biburl    = {https://dblp.org/rec/journals/corr/ShiCHTABRW16.bib},
  bibsource = {dblp computer science bibliography, https://dblp.org}
}
"""


def test_dblp_export_parses_as_pasted():
    entry = bib.parse(DBLP, "dblp.bib")["DBLP:journals/corr/ShiCHTABRW16"]
    assert entry.line == 2 and entry.type == "article"
    assert not {"timestamp", "biburl", "bibsource"} & set(entry.fields)  # export-only, dropped
    assert entry.author_text().startswith("Wenzhe Shi, Jose Caballero, Ferenc Huszár, Johannes Totz")
    assert entry.short() == ("Shi et al. 2016. Real-Time Single Image and Video Super-Resolution "
                             "Using an Efficient Sub-Pixel Convolutional Neural Network")
    assert entry.venue_text() == "CoRR abs/1609.05158, 2016"
    assert entry.links() == [("arXiv:1609.05158", "https://arxiv.org/abs/1609.05158")]
    out = bib.cite("见 [@DBLP:journals/corr/ShiCHTABRW16, 图 2]。\n", "docs/x.md", {entry.key: entry})
    assert "&#91;1, 图 2&#93;" in out and "Ferenc Huszár" in out


def test_month_macros_and_newer_dblp_fields():
    text = DBLP.replace("archivePrefix = {arXiv},", "eprinttype = {arXiv},\n  month = jan,")
    entry = bib.parse(text, "dblp.bib")["DBLP:journals/corr/ShiCHTABRW16"]
    assert (entry.fields["month"], entry.fields["eprinttype"]) == ("jan", "arXiv")
    # negative control: a field the site does not know is still an error, named with its line
    with pytest.raises(bib.BibError, match=r"dblp.bib:2: entry 'DBLP:journals/corr/ShiCHTABRW16': unknown field isnn"):
        bib.parse(DBLP.replace("journal   =", "isnn = {1},\n  journal   ="), "dblp.bib")


def test_bib_error_stops_mkdocs():
    assert issubclass(bib.BibError, PluginError)


def test_site_bibliography_has_no_at_sign_outside_entries():
    """BibTeX tools (pybtex, bibtexparser) read an at-sign in a comment as the start of an entry."""
    text = (bib.Path(__file__).resolve().parents[1] / "docs" / bib.BIB_FILE).read_text(encoding="utf-8")
    bad = [i for i, line in enumerate(text.splitlines(), start=1) if line.lstrip().startswith("%") and "@" in line]
    assert not bad, f"docs/{bib.BIB_FILE}: at-sign in comment line(s) {bad}"


def test_site_bibliography_parses_and_is_sorted():
    entries = bib.load(ROOT / "docs" / bib.BIB_FILE)
    assert len(entries) >= 20
    assert list(entries) == sorted(entries), "keep docs/references.bib sorted by key"
    for entry in entries.values():
        assert entry.links(), entry.key
        assert "{" not in entry.html() and "}" not in entry.html(), entry.key


# ---------------------------------------------------------------- citing

def test_cite_numbers_in_order_of_first_citation_and_lists_references(entries):
    page = ("DDPM [@ho2020ddpm] 与得分匹配[@vincent2011connection; @ho2020ddpm]。\n\n"
            "```python\nx = d[@not_a_key]\n```\n\n`[@inline_code]` 不算。\n")
    out = bib.cite(page, "docs/x.md", entries)
    assert out.count('href="#ref-ho2020ddpm"') == 2 and ">&#91;1&#93;</a>" in out
    assert '<a class="citation" href="#ref-vincent2011connection" title="Vincent 2011. A Connection' in out
    assert "x = d[@not_a_key]" in out and "`[@inline_code]`" in out
    refs = out[out.index("## 参考文献"):]
    assert refs.index('id="ref-ho2020ddpm"') < refs.index('id="ref-vincent2011connection"')
    assert "team2024herd" not in refs  # only what the page cites


def test_references_go_where_the_marker_is(entries):
    out = bib.cite("A [@ho2020ddpm].\n\n<!-- references -->\n\n## 附录\n", "docs/x.md", entries)
    assert out.index("## 参考文献") < out.index("## 附录")


def test_unknown_key_names_page_key_and_neighbours(entries):
    with pytest.raises(bib.BibError, match=r"docs/x.md: unknown citation key 'ho2020ddp' on line 2 "
                                           r"\(not in docs/references.bib\); did you mean ho2020ddpm\?"):
        bib.cite("第一行\n见 [@ho2020ddp]。\n", "docs/x.md", entries)


def test_locator_is_shown_inside_the_citation(entries):
    out = bib.cite("见 [@ho2020ddpm, 表 1] 与 [@vincent2011connection, §3; @ho2020ddpm]。\n", "docs/x.md", entries)
    assert ">&#91;1, 表 1&#93;</a>" in out and ">&#91;2, §3&#93;</a>" in out
    assert out.count('<li id="ref-ho2020ddpm">') == 1  # a locator does not make a second reference


def test_several_locators_of_one_paper(entries):
    out = bib.cite("见 [@ho2020ddpm, §1; §5; @vincent2011connection, §3]。\n", "docs/x.md", entries)
    assert ">&#91;1, §1; §5&#93;</a>" in out and ">&#91;2, §3&#93;</a>" in out


@pytest.mark.parametrize("text", ["见 [@ho2020ddpm, ]。", "见 [@ho2020ddpm; ho2020ddpm]。", "见 [@ho2020ddpm"])
def test_malformed_citation_fails(entries, text):
    with pytest.raises(bib.BibError, match=r"docs/x.md: (malformed|unclosed) citation .* on line 1"):
        bib.cite(text, "docs/x.md", entries)


def test_hand_written_reference_section_fails(entries):
    with pytest.raises(bib.BibError, match=r"docs/x.md: has a hand-written '## 参考文献' section"):
        bib.cite("正文\n\n## 参考文献\n\n1. 某论文\n", "docs/x.md", entries)


# ---------------------------------------------------------------- citing a post

def test_cite_this_block_parses_back_with_the_page_permalink():
    permalink = "https://ml-math-notes.github.io/notes/generative/ddpm/"
    block = bib.cite_this(title="DDPM：从马尔可夫加噪到变分下界 & 50% 的 $x_t$", date=dt.date(2026, 1, 19),
                          slug="ddpm", permalink=permalink, author="机器学习数学笔记")
    assert block.startswith("## 引用本文\n")
    plain = re.search(r'```\{ \.text \.cite-plain title="纯文本" \}\n(.*)\n```', block)[1]
    assert plain == f"机器学习数学笔记.《DDPM：从马尔可夫加噪到变分下界 & 50% 的 $x_t$》. 2026-01-19. {permalink}"
    bibtex = re.search(r'```bibtex title="BibTeX"\n(.*?)```', block, re.S)[1]
    entry = bib.parse(bibtex, "page")["mlnotes-ddpm"]
    assert entry.type == "online"
    assert entry.fields["url"] == permalink
    assert entry.text("title") == "DDPM：从马尔可夫加噪到变分下界 & 50% 的 $x_t$"
    assert entry.author_text() == "机器学习数学笔记"
    assert (entry.fields["date"], entry.fields["year"]) == ("2026-01-19", "2026")
    assert "urldate" not in entry.fields  # the reader's access date, not ours


def test_finish_post_appends_references_then_cite_this(tmp_path):
    (tmp_path / bib.BIB_FILE).write_text(SAMPLE, encoding="utf-8")
    out = bib.finish_post("# T\n\nDDPM [@ho2020ddpm]。\n", "docs/generative/t.md", docs_dir=str(tmp_path),
                          title="T", date=dt.date(2026, 1, 1), slug="t",
                          permalink="https://example.org/generative/t/", author="作者")
    assert out.index("## 参考文献") < out.index("## 引用本文")
    assert "@online{mlnotes-t," in out


def test_citation_cff_matches_mkdocs_yml():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    site = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")

    def setting(name):
        return re.search(rf"^{name}:\s*(\S+)", site, re.M)[1]

    assert cff["cff-version"] == "1.2.0"
    assert cff["message"] and cff["title"] == setting("site_name")
    assert cff["authors"] == [{"name": setting("site_author")}]
    assert cff["url"] == setting("site_url") == cff["preferred-citation"]["url"]
    assert cff["repository-code"] == setting("repo_url")
