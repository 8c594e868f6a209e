// Parts of a form that apply to one choice only: an element marked
// data-shown-for="NAME" data-values="A B" is shown only while the form's select NAME has
// the value A or B (a budget form shows only the fields of the chosen ballot type). Without
// this script every part shows, each with a heading saying what it is for; the server
// ignores the fields of the choices not made.
(function () {
  "use strict";
  function update(form) {
    var parts = form.querySelectorAll("[data-shown-for]");
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      var select = form.querySelector('select[name="' + part.getAttribute("data-shown-for") + '"]');
      if (!select) continue;
      var values = (part.getAttribute("data-values") || "").split(" ");
      part.hidden = values.indexOf(select.value) === -1;
    }
  }
  var forms = document.querySelectorAll("form");
  for (var i = 0; i < forms.length; i++) {
    var form = forms[i];
    if (!form.querySelector("[data-shown-for]")) continue;
    update(form);
    form.addEventListener("change", function (event) {
      if (event.target instanceof HTMLSelectElement) update(event.currentTarget);
    });
  }
})();
