/*
 * Participa — live budget meter of the ballot page.
 *
 * Progressive enhancement only: the page works without this file and the server checks
 * every rule again. This script never disables a control; it only keeps the summary
 * (total, count, meter and warnings) in step with the ticked projects.
 *
 * Messages come from data-msg-* attributes of the form (translated on the server), with
 * {placeholders} filled in here.
 */
(function () {
  "use strict";

  var form = document.getElementById("ballot-form");
  if (!form) {
    return;
  }

  var data = form.dataset;
  var amount = toInt(data.amount);
  var knapsack = data.ballotType === "knapsack";
  var minProjects = toInt(data.minProjects);
  var maxProjects = data.maxProjects ? toInt(data.maxProjects) : null;
  var minSpend = toInt(data.minSpend);
  var lang = document.documentElement.lang || "es-MX";

  var meter = document.getElementById("budget-meter");
  var meterText = document.getElementById("budget-meter-text");
  var countText = document.getElementById("budget-count");
  var warnings = document.getElementById("budget-warnings");
  var notes = document.getElementById("budget-notes");
  var boxes = Array.prototype.slice.call(
    form.querySelectorAll('input[type="checkbox"][name="project"]')
  );

  var formatter = makeFormatter();

  function toInt(value) {
    var n = parseInt(value, 10);
    return isNaN(n) ? 0 : n;
  }

  function makeFormatter() {
    try {
      return new Intl.NumberFormat(lang, {
        style: "currency",
        currency: data.currency || "MXN",
        minimumFractionDigits: 0,
        maximumFractionDigits: 0,
      });
    } catch (e) {
      return null;
    }
  }

  function money(value) {
    if (formatter) {
      return formatter.format(value);
    }
    return "$" + String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function message(name, values) {
    var key = "msg" + name;
    var text = data[key] || "";
    return text.replace(/\{(\w+)\}/g, function (match, field) {
      return Object.prototype.hasOwnProperty.call(values, field) ? values[field] : match;
    });
  }

  function setText(element, text) {
    // Only touch live regions when the words really change, so nothing is re-announced.
    if (element && element.textContent !== text) {
      element.textContent = text;
    }
  }

  function fillList(list, items) {
    if (!list) {
      return;
    }
    var current = Array.prototype.map.call(list.children, function (li) {
      return li.textContent;
    });
    if (current.join("\n") === items.join("\n")) {
      return;
    }
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
    });
  }

  function countMessage(count) {
    return message(count === 1 ? "CountOne" : "CountOther", { count: String(count) });
  }

  function update() {
    var total = 0;
    var count = 0;
    boxes.forEach(function (box) {
      var item = box.closest(".ballot-item");
      if (box.checked) {
        total += toInt(box.getAttribute("data-cost"));
        count += 1;
      }
      if (item) {
        item.classList.toggle("is-selected", box.checked);
      }
    });

    var warn = [];
    var note = [];
    var over = knapsack && total > amount;
    var tooMany = maxProjects !== null && count > maxProjects;

    if (knapsack) {
      setText(meterText, message("Money", { total: money(total), amount: money(amount) }));
      if (meter) {
        meter.value = Math.min(total, amount);
      }
      if (countText) {
        setText(countText, countMessage(count));
      }
      if (over) {
        warn.push(message("Over", { over: money(total - amount) }));
      } else {
        note.push(message("Left", { rest: money(amount - total) }));
      }
      if (minSpend > 0 && total < minSpend) {
        note.push(message("UnderMin", { min: money(minSpend) }));
      }
    } else {
      setText(
        meterText,
        maxProjects !== null
          ? message("OfMax", { count: String(count), max: String(maxProjects) })
          : countMessage(count)
      );
      if (meter) {
        meter.value = Math.min(count, toInt(meter.getAttribute("max")));
      }
    }

    if (tooMany) {
      warn.push(message("TooMany", { count: String(count), max: String(maxProjects) }));
    }
    if (minProjects > 1 && count < minProjects) {
      note.push(message("TooFew", { min: String(minProjects) }));
    }

    if (meter) {
      meter.classList.toggle("is-over", over || tooMany);
    }
    form.classList.toggle("is-invalid-selection", over || tooMany);
    fillList(warnings, warn);
    fillList(notes, note);
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.name === "project") {
      update();
    }
  });

  // Browsers may restore ticks on "back"; bring the summary in line with them.
  window.addEventListener("pageshow", update);
  update();

  // After a refused ballot, take keyboard and screen-reader focus to the reasons.
  var error = document.getElementById("ballot-error");
  if (error) {
    error.focus();
  }
})();
