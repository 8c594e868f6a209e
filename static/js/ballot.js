/*
 * Participa — live meter of the ballot page.
 *
 * Progressive enhancement only: the page works without this file and the server checks
 * every rule again. This script never disables a control; it only keeps the summary
 * (meter, text and warnings) in step with what the resident has filled in:
 *
 *   knapsack              money used of the budget (checkboxes "project")
 *   approval, choose-1    number of projects chosen (checkboxes or radio buttons "project")
 *   cumulative            points used of the ballot's total (number inputs "points-<id>")
 *   ordinal               number of projects ranked (selects "rank-<id>"), with repeated
 *                         or skipped places pointed out
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
  var type = data.ballotType;
  var amount = toInt(data.amount);
  var knapsack = type === "knapsack";
  var cumulative = type === "cumulative";
  var ordinal = type === "ordinal";
  var minProjects = toInt(data.minProjects);
  var maxProjects = data.maxProjects ? toInt(data.maxProjects) : null;
  var minSpend = toInt(data.minSpend);
  var minPoints = toInt(data.minPoints);
  var maxPoints = data.maxPoints ? toInt(data.maxPoints) : null;
  var maxTotalPoints = data.maxTotalPoints ? toInt(data.maxTotalPoints) : null;
  var lang = document.documentElement.lang || "es-MX";

  var meter = document.getElementById("budget-meter");
  var meterText = document.getElementById("budget-meter-text");
  var countText = document.getElementById("budget-count");
  var warnings = document.getElementById("budget-warnings");
  var notes = document.getElementById("budget-notes");
  var selector = cumulative
    ? 'input[name^="points-"]'
    : ordinal
      ? 'select[name^="rank-"]'
      : 'input[name="project"]';
  var controls = Array.prototype.slice.call(form.querySelectorAll(selector));

  var formatter = makeFormatter();

  function toInt(value) {
    var n = parseInt(value, 10);
    return isNaN(n) ? 0 : n;
  }

  // Whole numbers in ASCII digits only, as the server reads them; null when malformed.
  function strictInt(value) {
    var text = String(value || "").trim();
    if (text === "") {
      return 0;
    }
    return /^[0-9]{1,9}$/.test(text) ? parseInt(text, 10) : null;
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

  // Whole numbers with the page language's grouping (1,000 in es-MX and en).
  var numberFormatter = (function () {
    try {
      return new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    } catch (e) {
      return null;
    }
  })();

  function num(value) {
    return numberFormatter ? numberFormatter.format(value) : String(value);
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
    return message(count === 1 ? "CountOne" : "CountOther", { count: num(count) });
  }

  // What each control says: chosen or not, and its points or place.
  function read() {
    var state = {
      total: 0,
      count: 0,
      points: 0,
      ranks: [],
      malformed: false,
      fewPoints: false,
      manyPoints: false,
    };
    controls.forEach(function (control) {
      var value = control.checked ? 1 : 0;
      var wrong = false;
      if (cumulative || ordinal) {
        value = strictInt(control.value);
        wrong = value === null;
        state.malformed = state.malformed || wrong;
        value = value || 0;
      }
      if (cumulative && value > 0) {
        wrong = wrong || value < Math.max(minPoints, 1);
        wrong = wrong || (maxPoints !== null && value > maxPoints);
      }
      if (cumulative) {
        if (wrong) {
          control.setAttribute("aria-invalid", "true");
        } else {
          control.removeAttribute("aria-invalid");
        }
      }
      var chosen = value > 0;
      var item = control.closest(".ballot-item");
      if (item) {
        item.classList.toggle("is-selected", chosen);
      }
      if (!chosen) {
        return;
      }
      state.count += 1;
      state.total += toInt(control.getAttribute("data-cost"));
      if (cumulative) {
        state.points += value;
        if (value < Math.max(minPoints, 1)) {
          state.fewPoints = true;
        }
        if (maxPoints !== null && value > maxPoints) {
          state.manyPoints = true;
        }
      }
      if (ordinal) {
        state.ranks.push(value);
      }
    });
    return state;
  }

  function rankProblems(ranks) {
    var seen = {};
    var repeated = [];
    ranks.forEach(function (rank) {
      if (seen[rank] && repeated.indexOf(rank) === -1) {
        repeated.push(rank);
      }
      seen[rank] = true;
    });
    repeated.sort(function (a, b) {
      return a - b;
    });
    var problems = repeated.map(function (rank) {
      return message("RankRepeated", { rank: num(rank) });
    });
    var distinct = Object.keys(seen).length;
    for (var place = 1; place <= distinct; place += 1) {
      if (!seen[place]) {
        problems.push(message("RankGap", { rank: num(place) }));
        break;
      }
    }
    return problems;
  }

  function update() {
    var state = read();
    var count = state.count;
    var total = state.total;
    var warn = [];
    var note = [];
    var over = false;
    var tooMany = maxProjects !== null && count > maxProjects;

    if (knapsack) {
      over = total > amount;
      setText(meterText, message("Money", { total: money(total), amount: money(amount) }));
      if (meter) {
        meter.value = Math.min(total, amount);
      }
      if (over) {
        warn.push(message("Over", { over: money(total - amount) }));
      } else {
        note.push(message("Left", { rest: money(amount - total) }));
      }
      if (minSpend > 0 && total < minSpend) {
        note.push(message("UnderMin", { min: money(minSpend) }));
      }
    } else if (cumulative) {
      var used = state.points;
      over = maxTotalPoints !== null && used > maxTotalPoints;
      setText(
        meterText,
        maxTotalPoints !== null
          ? message("PointsOfMax", { used: num(used), max: num(maxTotalPoints) })
          : message("PointsUsed", { used: num(used) })
      );
      if (meter) {
        meter.value = Math.min(used, toInt(meter.getAttribute("max")));
      }
      if (over) {
        warn.push(message("PointsOver", { used: num(used), max: num(maxTotalPoints) }));
      } else if (maxTotalPoints !== null) {
        var rest = maxTotalPoints - used;
        note.push(
          rest === 1 ? message("PointsLeftOne", {}) : message("PointsLeft", { rest: num(rest) })
        );
      }
      if (state.manyPoints) {
        warn.push(message("PointsCap", { max: num(maxPoints) }));
      }
      if (state.fewPoints) {
        warn.push(message("PointsLeast", { min: num(Math.max(minPoints, 1)) }));
      }
    } else {
      setText(
        meterText,
        maxProjects !== null && type !== "choose-1"
          ? message("OfMax", { count: num(count), max: num(maxProjects) })
          : countMessage(count)
      );
      if (meter) {
        meter.value = Math.min(count, toInt(meter.getAttribute("max")));
      }
    }
    if (countText) {
      setText(countText, countMessage(count));
    }
    if (state.malformed) {
      warn.push(message("PointsBad", {}));
    }
    var rankIssues = ordinal ? rankProblems(state.ranks) : [];
    warn = warn.concat(rankIssues);

    if (tooMany) {
      warn.push(message("TooMany", { count: num(count), max: num(maxProjects) }));
    }
    if (minProjects > 1 && count < minProjects) {
      note.push(message("TooFew", { min: num(minProjects) }));
    }

    var invalid = over || tooMany || state.malformed || rankIssues.length > 0;
    invalid = invalid || state.manyPoints || state.fewPoints;
    if (meter) {
      meter.classList.toggle("is-over", invalid);
    }
    form.classList.toggle("is-invalid-selection", invalid);
    fillList(warnings, warn);
    fillList(notes, note);
  }

  function isControl(target) {
    return Boolean(target) && controls.indexOf(target) !== -1;
  }

  form.addEventListener("change", function (event) {
    if (isControl(event.target)) {
      update();
    }
  });
  form.addEventListener("input", function (event) {
    if (isControl(event.target)) {
      update();
    }
  });

  // Browsers may restore inputs on "back"; bring the summary in line with them.
  window.addEventListener("pageshow", update);
  update();

  // After a refused ballot, take keyboard and screen-reader focus to the reasons.
  var error = document.getElementById("ballot-error");
  if (error) {
    error.focus();
  }
})();
