// A table wider than the screen scrolls inside its frame; keyboard users can scroll it only if
// the frame takes the focus (WCAG 2.1.1). Frames that fit get no extra tab stop.
(function () {
  function mark() {
    document.querySelectorAll(".table-responsive").forEach(function (frame) {
      var scrolls = frame.scrollWidth > frame.clientWidth + 1;
      if (scrolls && !frame.hasAttribute("tabindex")) {
        frame.setAttribute("tabindex", "0");
        frame.setAttribute("role", "region");
        var caption = frame.querySelector("caption");
        var heading = caption || frame.previousElementSibling;
        frame.setAttribute(
          "aria-label",
          (heading && heading.textContent.trim()) || document.title
        );
      } else if (!scrolls && frame.getAttribute("role") === "region") {
        frame.removeAttribute("tabindex");
        frame.removeAttribute("role");
        frame.removeAttribute("aria-label");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  document.addEventListener("htmx:afterSwap", mark);
  window.addEventListener("resize", mark);
})();
