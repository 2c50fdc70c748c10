// Saves each answer as it is given, keeps the countdown, and warns of a stale tab.
// Without this script the page still works: "Save answers" and "Submit" post the whole form.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) { return; }
  var base = form.getAttribute("data-answer-url");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  var problem = document.getElementById("attempt-problem");
  if (problem) { problem.focus(); }

  function setState(fieldset, text, kind) {
    var state = fieldset.querySelector(".save-state");
    state.textContent = text;
    state.className = "save-state small mb-0" + (kind === "ok" ? " text-success" : kind === "bad" ? " text-danger fw-semibold" : "");
  }

  // One save in flight per question: a change made while one is on its way is sent after it,
  // with the sequence number the server has just returned, so a learner's own quick changes
  // never look like a second tab.
  function saveQuestion(fieldset) {
    if (fieldset.getAttribute("data-saving") === "1") {
      fieldset.setAttribute("data-pending", "1");
      return;
    }
    var position = fieldset.getAttribute("data-position");
    var seq = fieldset.querySelector("input[name=seq" + position + "]");
    if (!seq) { return; }
    if (fieldset.getAttribute("data-type") === "ordering") {
      var selects = fieldset.querySelectorAll("select");
      var places = Array.prototype.map.call(selects, function (s) { return s.value; }).filter(Boolean);
      if (places.length && places.length < selects.length) {
        setState(fieldset, "Give every step a place to save this answer.", "");
        return;
      }
      if (new Set(places).size < places.length) {
        setState(fieldset, "Give every step a different place to save this answer.", "");
        return;
      }
    }
    // Sent form-encoded, as the page's form is: the server reads it for a fraction of
    // what a multipart body costs.
    var data = new URLSearchParams();
    fieldset.querySelectorAll("input, select").forEach(function (el) {
      if (!el.name) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      data.append(el.name, el.value);
    });
    fieldset.setAttribute("data-saving", "1");
    fieldset.removeAttribute("data-pending");
    setState(fieldset, "Saving…", "");
    fetch(base + position + "/", {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    }).then(function (result) {
      fieldset.removeAttribute("data-saving");
      if (result.ok) {
        seq.value = result.body.sequence;
        setState(fieldset, "Saved.", "ok");
        updateCount();
      } else {
        setState(fieldset, result.body.error || "Not saved.", "bad");
        if (result.status === 409 && /Time is up|already been submitted/.test(result.body.error || "")) {
          window.location.reload();
        }
      }
      // A change made while this save was on its way is newer: send it, whatever this
      // save's outcome.
      if (fieldset.getAttribute("data-pending") === "1") { saveQuestion(fieldset); }
    }).catch(function () {
      fieldset.removeAttribute("data-saving");
      fieldset.removeAttribute("data-pending");
      setState(fieldset, "Not saved: no connection. Your answer will be sent when you press Save answers.", "bad");
    });
  }

  function updateCount() {
    var count = 0;
    form.querySelectorAll("fieldset.question-card").forEach(function (fs) {
      var any = Array.prototype.some.call(fs.querySelectorAll("input[type=radio], input[type=checkbox]"), function (el) { return el.checked; }) ||
        Array.prototype.some.call(fs.querySelectorAll("select"), function (el) { return el.value; }) ||
        fs.querySelector(".review-list") !== null;
      if (any) { count += 1; }
    });
    var el = document.querySelector(".answered-count");
    if (el) { el.textContent = count; }
  }

  form.querySelectorAll("fieldset.question-card").forEach(function (fieldset) {
    fieldset.addEventListener("change", function () { saveQuestion(fieldset); });
  });

  var timer = document.querySelector(".countdown");
  if (timer) {
    // Counted from the seconds the server said were left, so a wrong clock on the learner's
    // computer cannot end the countdown early (and reload the page again and again).
    var deadline = Date.now() + 1000 * parseInt(timer.getAttribute("data-seconds-left"), 10);
    var value = timer.querySelector(".countdown-value");
    var announce = timer.querySelector(".countdown-announce");
    var warned = {};
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var hours = Math.floor(left / 3600), minutes = Math.floor((left % 3600) / 60), seconds = left % 60;
      value.textContent = (hours ? hours + ":" + two(minutes) : minutes) + ":" + two(seconds);
      [300, 60].forEach(function (mark) {
        if (left <= mark && left > 0 && !warned[mark]) {
          warned[mark] = true;
          announce.textContent = (mark / 60) + " minute" + (mark === 60 ? "" : "s") + " left.";
        }
      });
      if (left === 0) { window.location.reload(); return; }
      window.setTimeout(tick, 1000);
    };
    tick();
  }
}());
