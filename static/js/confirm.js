// Confirmation before an irreversible action (participa/confirmation.py): a form marked
// data-confirm="question" asks it in the page's <dialog id="confirm-dialog"> and, if the
// answer is yes, is posted with confirmado=1. Without this script the server asks the same
// question on a page of its own.
(function () {
  "use strict";
  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var question = dialog.querySelector("[data-confirm-question]");
  var yes = dialog.querySelector("[data-confirm-yes]");
  var defaultLabel = yes.textContent;
  var pending = null;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (form.querySelector('input[name="confirmado"]')) return; // confirmed: let it go
    event.preventDefault();
    pending = { form: form, submitter: event.submitter || null };
    question.textContent = form.getAttribute("data-confirm");
    yes.textContent = form.getAttribute("data-confirm-button") || defaultLabel;
    dialog.returnValue = "";
    dialog.showModal();
  });

  dialog.addEventListener("close", function () {
    var chosen = pending;
    pending = null;
    if (!chosen || dialog.returnValue !== "yes") return;
    var confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmado";
    confirmed.value = "1";
    chosen.form.appendChild(confirmed);
    if (chosen.submitter && typeof chosen.form.requestSubmit === "function") {
      chosen.form.requestSubmit(chosen.submitter);
    } else {
      chosen.form.submit();
    }
  });
})();
