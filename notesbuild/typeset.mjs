// Typeset the math of built HTML pages at build time with MathJax 4 (TeX in, SVG out), in place.
//
//   node notesbuild/typeset.mjs CONFIG.json
//
// CONFIG.json: {"pages": [paths], "css": path for MathJax's shared stylesheet, "width": "<n>em"}.
// Each page gets its own MathJax document, so AMS equation numbers restart on every page. Math is
// found as in the browser before (arithmatex output, notebook Markdown cells, TOC entries; never in
// code or site chrome). A TeX error stops the run: it prints the page and the TeX and exits 1,
// leaving every page as it was (pages are written only once all have been typeset).
// Displays wider than `width` (the text column at desktop width) are broken into lines; inline math
// gets break points so it wraps with the text. Every formula keeps its TeX in `data-tex` (copied by
// docs/javascripts/math-copy.js) and as its accessible label.
import {mathjax} from '@mathjax/src/js/mathjax.js';
import {TeX} from '@mathjax/src/js/input/tex.js';
import {SVG} from '@mathjax/src/js/output/svg.js';
import {liteAdaptor} from '@mathjax/src/js/adaptors/liteAdaptor.js';
import {RegisterHTMLHandler} from '@mathjax/src/js/handlers/html.js';
import '@mathjax/src/js/input/tex/base/BaseConfiguration.js';
import '@mathjax/src/js/input/tex/ams/AmsConfiguration.js';
import '@mathjax/src/js/input/tex/newcommand/NewcommandConfiguration.js';
import '@mathjax/src/js/input/tex/boldsymbol/BoldsymbolConfiguration.js';
import '@mathjax/src/js/input/tex/tagformat/TagFormatConfiguration.js';
import '@mathjax/src/js/input/tex/mathtools/MathtoolsConfiguration.js';
import '@mathjax/src/js/input/tex/cases/CasesConfiguration.js';
import '@mathjax/src/js/input/tex/color/ColorConfiguration.js';
import '@mathjax/src/js/input/tex/textmacros/TextMacrosConfiguration.js';
import '@mathjax/src/js/util/asyncLoad/esm.js';
import '@mathjax/src/js/util/entities/all.js';  // page text holds named entities; load them all up front
import {readFileSync, writeFileSync, renameSync} from 'fs';

const PACKAGES = ['base', 'ams', 'newcommand', 'boldsymbol', 'tagformat', 'mathtools', 'cases', 'color', 'textmacros'];
const IGNORE = 'md-header|md-sidebar|md-search|md-footer|md-nav|md-tabs|jp-InputArea|jp-OutputArea|tex2jax_ignore|highlight';
const PROCESS = 'arithmatex|jp-RenderedMarkdown|md-nav__link';

// \label{eq:a-b} -> id "eq-a-b": the same mapping as anchor_id in notesbuild/equations.py
const eqAnchor = (id) => id.replace(/^mjx-eqn:/, '').replace(/\s/g, '_').replace(/[^A-Za-z0-9_-]/g, '-');

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);

const errors = [];
const sheetDoc = mathjax.document('<p>\\(x\\)</p>', {InputJax: new TeX({packages: ['base']}), OutputJax: new SVG()});
const css = adaptor.textContent(sheetDoc.outputJax.styleSheet(sheetDoc));
const results = [];
for (const page of config.pages) {
  const tex = new TeX({
    packages: PACKAGES,
    inlineMath: [['\\(', '\\)'], ['$', '$']],
    displayMath: [['\\[', '\\]'], ['$$', '$$']],
    processEscapes: true,
    processEnvironments: true,
    tags: 'ams',
    tagformat: {url: (id) => '#' + encodeURIComponent(eqAnchor(id))},
    formatError: (jax, err) => {
      errors.push(`${page}: TeX error "${err.message}" in: ${jax.latex}`);
      return jax.formatError(err);
    },
  });
  const svg = new SVG({
    fontCache: 'global',
    displayOverflow: 'linebreak',
    linebreaks: {inline: true, width: config.width},
  });
  const doc = mathjax.document(readFileSync(page, 'utf8'), {
    InputJax: tex, OutputJax: svg, ignoreHtmlClass: IGNORE, processHtmlClass: PROCESS,
  });
  await mathjax.handleRetriesFor(() => doc.render());
  let count = 0;
  for (const item of doc.math) {
    const node = item.typesetRoot;
    adaptor.setAttribute(node, 'data-tex', item.math);
    adaptor.setAttribute(node, 'role', 'img');
    adaptor.setAttribute(node, 'aria-label', item.math);
    count++;
  }
  const style = adaptor.elementById(adaptor.head(doc.document), 'MJX-SVG-styles');
  if (style) adaptor.remove(style);  // served once, as config.css
  let html = adaptor.doctype(doc.document) + '\n' + adaptor.outerHTML(adaptor.root(doc.document));
  // The glyph shapes all formulas of the page refer to: into Material's container, which instant
  // navigation swaps in when the reader moves to another page (the body's start is not swapped)
  const glyphs = html.match(/<svg [^>]*id="MJX-SVG-global-cache"[^>]*>[\s\S]*?<\/svg>/);
  const container = /<div [^>]*data-md-component="container"[^>]*>/;
  if (glyphs && container.test(html)) {
    html = html.replace(glyphs[0], '').replace(container, (open) => open + glyphs[0]);
  }
  // \eqref links inside the SVG as xlink:href: Material's instant navigation rewrites every [href]
  // element's href property, which an SVG <a> does not let it set (a script error on every page)
  html = html.replace(/<a href="([^"]*)">(?=<g [^>]*class="MathJax_ref")/g, '<a xlink:href="$1">');
  // What MathJax keeps for its explorer and menu, which are not served: the TeX of every node (a sixth
  // of the bytes) and the node names, except those its stylesheet selects on (tables, actions,
  // errors); then the attribute-less groups left around runs of glyphs. Fewer bytes and elements
  // for the browser to parse; data-c stays (the stylesheet selects on it too).
  html = html.replace(/ data-latex="[^"]*"/g, '')
    .replace(/ data-mml-node="(?!mtable"|maction"|merror")[A-Za-z]*"/g, '');
  for (let before = ''; before !== html;) {
    before = html;
    html = html.replace(/<g>((?:<use [^>]*><\/use>)+)<\/g>/g, '$1');
  }
  // Labels the build did not anchor (math in notebook Markdown cells) get the id \eqref links point at
  html = html.replace(/id="(mjx-eqn:[^"]*)"/g, (whole, id) => {
    const anchor = eqAnchor(decodeURIComponent(id));
    return html.includes(`id="${anchor}"`) ? whole : `id="${anchor}"`;
  });
  results.push([page, html, count]);
}
if (errors.length) {
  console.error(errors.join('\n'));
  process.exit(1);
}
for (const [page, html] of results) {
  writeFileSync(page + '.tmp', html);
  renameSync(page + '.tmp', page);
}
writeFileSync(config.css, css);
console.log(JSON.stringify(results.map(([page, , count]) => [page, count])));
