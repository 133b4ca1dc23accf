// A button with data-confirm asks before its form is sent (deactivating an account, ending a
// role): one tap on a phone must not cut someone off by mistake.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});
