// MathJax 3, served from this site (assets/mathjax). Typesetting happens in
// Material's document$ handler only (startup.typeset is off), so the first page
// is not typeset twice, and equation numbers restart on every page, also with
// instant navigation. \eqref links point at the anchors the build gives each
// labelled equation (notesbuild/equations.py: \label{eq:a-b} -> id "eq-a-b"), which
// exist before typesetting; eqAnchor below is the same mapping as anchor_id there.
function eqAnchor(id) {
  return id.replace(/^mjx-eqn:/, "").replace(/[^A-Za-z0-9_-]/g, "-");
}

window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
    tags: "ams",
    packages: { "[+]": ["tagformat"] },
    tagformat: {
      url: function (id, base) { return base + "#" + encodeURIComponent(eqAnchor(id)); },
    },
  },
  loader: { load: ["[tex]/tagformat"] },
  options: {
    // Math lives in arithmatex output and in notebook Markdown cells (nbconvert
    // leaves $...$ there, inside <p> and <li>). Site chrome is never typeset;
    // code cells are ignored explicitly (jp-InputArea: their <pre> sits inside Markdown-processed
    // containers, where skipHtmlTags alone did not keep "$...$" in matplotlib labels from typesetting).
    ignoreHtmlClass: "md-header|md-sidebar|md-search|md-footer|md-nav|md-tabs|jp-InputArea|jp-OutputArea|tex2jax_ignore",
    processHtmlClass: "arithmatex|jp-RenderedMarkdown|md-nav__link",  // TOC entries of headings with math
  },
  startup: { typeset: false },
};

document$.subscribe(function () {
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) {
    console.error("MathJax did not load: equations are not typeset");
    return;
  }
  MathJax.startup.promise = MathJax.startup.promise.then(function () {
    MathJax.startup.output.clearCache();
    MathJax.typesetClear();
    MathJax.texReset();
    return MathJax.typesetPromise().then(function () {
      anchorUnwrappedLabels();
      scrollToTarget();
    });
  });
});

// Labels the build did not anchor (math in notebook Markdown cells) keep MathJax's
// own id: rename it to the anchor that \eqref links point at.
function anchorUnwrappedLabels() {
  document.querySelectorAll('[id^="mjx-eqn:"]').forEach(function (el) {
    var id = eqAnchor(el.id);
    if (!document.getElementById(id)) el.id = id;
  });
}

// The browser scrolled to #anchor (an equation permalink, a reference) before the
// math was typeset, which changes the height of everything above it: scroll again.
function scrollToTarget() {
  var id = decodeURIComponent(location.hash.slice(1));
  var target = id && document.getElementById(id);
  if (target) target.scrollIntoView();
}
