// Click-to-zoom for notebook figures (figure.nb-figure img): a click, or Enter on a
// focused figure, shows the image as large as the window allows, with its caption, in a
// modal <dialog>; Esc, a click anywhere or the close button closes it. One listener on
// the document serves every page, so it keeps working with Material's instant
// navigation; document$ (Material) makes each new page's figures focusable and closes a
// dialog left open by the back button. The dialog exists only while it is open.
(function () {
  "use strict";
  var FIGURES = ".md-content figure.nb-figure img";
  var MARGIN = 0.92; // share of the window the zoomed figure may fill
  var dialog = null;

  function create(source) {
    var d = document.createElement("dialog");
    d.className = "nb-zoom";
    d.innerHTML = '<button type="button" class="nb-zoom__close" aria-label="关闭">×</button>' +
      '<img><div class="nb-zoom__caption"></div>';
    var caption = source.closest("figure").querySelector("figcaption");
    if (caption) d.lastChild.innerHTML = caption.innerHTML; // typeset already: MathJax's CSS is global
    d.setAttribute("aria-label", caption ? caption.textContent.trim() : source.alt);
    d.addEventListener("click", function () { d.close(); });
    d.addEventListener("close", function () {
      d.remove();
      if (dialog === d) dialog = null;
      if (source.isConnected) source.focus({ preventScroll: true });
    });
    document.body.appendChild(d);
    return d;
  }

  // Scale the image to fit the window under its caption, keeping its aspect ratio;
  // matplotlib's SVGs carry their size, so naturalWidth/Height are known once loaded.
  function fit(d) {
    var img = d.querySelector("img");
    var w = img.naturalWidth, h = img.naturalHeight;
    if (!w || !h) return;
    var room = MARGIN * window.innerHeight - d.lastChild.offsetHeight;
    var scale = Math.min(MARGIN * window.innerWidth / w, room / h);
    img.style.width = Math.round(w * scale) + "px";
    img.style.height = Math.round(h * scale) + "px";
  }

  function open(source) {
    if (dialog) dialog.close();
    var d = dialog = create(source);
    var img = d.querySelector("img");
    img.onload = function () { fit(d); };
    img.alt = source.alt;
    img.src = source.currentSrc || source.src;
    d.showModal();
  }

  document.addEventListener("click", function (event) {
    var img = event.target instanceof Element && event.target.closest(FIGURES);
    if (!img) return;
    event.preventDefault();
    open(img);
  });

  document.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") &&
        event.target instanceof Element && event.target.matches(FIGURES)) {
      event.preventDefault();
      open(event.target);
    }
  });

  window.addEventListener("resize", function () {
    if (dialog) fit(dialog);
  });

  document$.subscribe(function () {
    if (dialog) dialog.close();
    document.querySelectorAll(FIGURES).forEach(function (img) {
      img.tabIndex = 0;
      img.title = "点击放大";
    });
  });
})();
