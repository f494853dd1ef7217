// Math is typeset at build time (notesbuild/typeset.py): each formula is an SVG whose TeX source
// is kept in data-tex. Copying a selection that contains formulas puts their TeX on the clipboard,
// as $…$ (inline) or $$…$$ (display), in place of the pictures.
document.addEventListener("copy", function (event) {
  var selection = document.getSelection();
  if (!selection || selection.rangeCount === 0) return;
  var fragment = selection.getRangeAt(0).cloneContents();
  var maths = fragment.querySelectorAll("mjx-container[data-tex]");
  if (maths.length === 0) {
    // a selection inside one formula: copy that formula's TeX
    var node = selection.anchorNode;
    var inside = node && (node.nodeType === 1 ? node : node.parentElement);
    var math = inside && inside.closest("mjx-container[data-tex]");
    if (!math) return;
    maths = [math];
    fragment = null;
  }
  var texOf = function (math) {
    var tex = math.getAttribute("data-tex");
    return math.hasAttribute("display") ? "$$" + tex + "$$" : "$" + tex + "$";
  };
  var text;
  if (fragment === null) {
    text = texOf(maths[0]);
  } else {
    maths.forEach(function (math) { math.replaceWith(document.createTextNode(texOf(math))); });
    fragment.querySelectorAll(".headerlink, .eq-check").forEach(function (el) { el.remove(); });
    var holder = document.createElement("div");
    holder.appendChild(fragment);
    text = holder.textContent;
  }
  event.clipboardData.setData("text/plain", text);
  event.preventDefault();
});
