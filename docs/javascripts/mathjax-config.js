// MathJax 3, served from this site (assets/mathjax). Typesetting happens in
// Material's document$ handler only (startup.typeset is off), so the first page
// is not typeset twice, and equation numbers restart on every page, also with
// instant navigation.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
    tags: "ams",
  },
  options: {
    // Math lives in arithmatex output and in notebook Markdown cells (nbconvert
    // leaves $...$ there, inside <p> and <li>). Site chrome is never typeset;
    // code is skipped by MathJax's skipHtmlTags (pre, code).
    ignoreHtmlClass: "md-header|md-sidebar|md-search|md-footer|md-nav|md-tabs|jp-OutputArea|tex2jax_ignore",
    processHtmlClass: "arithmatex|jp-RenderedMarkdown",
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
    return MathJax.typesetPromise();
  });
});
