// The door picker (compounds/forms_doors.py): building, then unit, then door. Without this
// script each "next" button sends the form and the page comes back with the next list; with it
// the lower lists fill in place from the doors the building's list carries (a JSON block: ids
// and codes) and the buttons go. The server checks the choice either way.
(function () {
  "use strict";

  function find(options, id) {
    for (var i = 0; i < options.length; i++) {
      if (String(options[i][0]) === id) {
        return options[i];
      }
    }
    return null;
  }

  // The list's options become ``options``; its empty choice says what to do first when there
  // are none. The only option is chosen at once (a courtyard's single building or unit).
  function refill(select, options) {
    var empty = select.options[0];
    empty.text = options.length ? select.dataset.choose : select.dataset.waiting;
    while (select.options.length > 1) {
      select.remove(1);
    }
    options.forEach(function (option) {
      select.add(new Option(option[1], String(option[0])));
    });
    select.value = options.length === 1 ? String(options[0][0]) : "";
  }

  document.querySelectorAll("select[data-door-tree]").forEach(function (building) {
    var form = building.form;
    var data = document.getElementById(building.dataset.doorTree);
    var unit = form && form.querySelector("select[data-door-level=unit]");
    var door = form && form.querySelector("select[data-door-level=dwelling]");
    if (!data || !unit || !door) {
      return;
    }
    var tree = JSON.parse(data.textContent);
    function units() {
      var picked = find(tree, building.value);
      return picked ? picked[2] : [];
    }
    function doors() {
      var picked = find(units(), unit.value);
      return picked ? picked[2] : [];
    }
    building.addEventListener("change", function () {
      refill(unit, units());
      refill(door, doors());
    });
    unit.addEventListener("change", function () {
      refill(door, doors());
    });
    // The buttons' work is done here; gone, Enter in a field sends the whole form as usual.
    form.querySelectorAll("[data-door-step]").forEach(function (button) {
      button.remove();
    });
  });
})();
