// qm's own Chinese font (tens of megabytes) is for a machine with no Chinese font at all: a server, a bare
// Linux desktop. A phone or an office PC draws Chinese with a font of its own, whatever that font is called
// (a phone's is not found by any name a style sheet can give), so it must not download qm's. A canvas draws
// 国 and a character no font has: when the two come out the same, no font here has Chinese, and the page
// asks for qm's (the qm-cjk class on <html>, read by console.css). Firefox draws a character it has no font
// for as a box holding its code point, so 国 and the other differ there too: a Chinese font draws 国 a full
// em wide, Firefox's box about three quarters of one, so 国 narrower than nine tenths of an em asks as well.
// Runs in <head>, before anything is drawn.
(function () {
  "use strict";
  var root = document.documentElement;
  try {
    var canvas = document.createElement("canvas");
    canvas.width = canvas.height = 40;
    var g = canvas.getContext("2d");
    g.font = "32px sans-serif";
    g.textBaseline = "top";
    var drawn = function (ch) {
      g.clearRect(0, 0, 40, 40);
      g.fillText(ch, 2, 2);
      return Array.prototype.join.call(g.getImageData(0, 0, 40, 40).data, "");
    };
    var boxed = g.measureText("\u56fd").width < 0.9 * 32;
    if (drawn("\u56fd") === drawn("\udbff\udffd") || boxed) root.classList.add("qm-cjk");
  } catch (e) {
    root.classList.add("qm-cjk"); // no canvas to ask: better the download than boxes
  }
})();
