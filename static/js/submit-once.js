// A form guarded by a one-time token (tongde/once.py) greys out its buttons once it is sent, so a
// second tap on a slow phone connection does not look like nothing happened. The server's guard
// is what makes a second sending harmless; this only says "sent".
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || !form.querySelector("input[name=once]")) {
    return;
  }
  // After the browser has read the form: a disabled button's name and value would be left out.
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit], input[type=submit], button:not([type])").forEach(
      function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      }
    );
  }, 0);
});
// Coming back with the browser's Back button shows the page as it was left: buttons work again.
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) {
    return;
  }
  document.querySelectorAll("button[aria-busy=true], input[aria-busy=true]").forEach(function (button) {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  });
});
