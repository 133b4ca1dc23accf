// "Add another" for Django formsets: a button with data-formset="<prefix>" appends a copy of
// <template id="<prefix>-template"> to #<prefix>-forms and counts it in the management form.
document.querySelectorAll("[data-formset]").forEach(function (button) {
  button.addEventListener("click", function () {
    var prefix = button.dataset.formset;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var index = parseInt(total.value, 10);
    var html = document.getElementById(prefix + "-template").innerHTML.replace(/__prefix__/g, index);
    document.getElementById(prefix + "-forms").insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
  });
});
