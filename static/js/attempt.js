// Saves each answer as it is given, keeps the countdown, and warns of a stale tab.
// Without this script the page still works: "Save answers" and "Submit" post the whole form.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) { return; }
  var base = form.getAttribute("data-answer-url");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function saveQuestion(fieldset) {
    var position = fieldset.getAttribute("data-position");
    var state = fieldset.querySelector(".save-state");
    var data = new FormData();
    fieldset.querySelectorAll("input, select").forEach(function (el) {
      if (!el.name) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      data.append(el.name, el.value);
    });
    if (fieldset.getAttribute("data-type") === "ordering") {
      var filled = Array.prototype.filter.call(fieldset.querySelectorAll("select"), function (s) { return s.value; });
      if (filled.length < fieldset.querySelectorAll("select").length) {
        state.textContent = "Give every step a place to save this answer.";
        return;
      }
    }
    state.textContent = "Saving…";
    fetch(base + position + "/", {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        fieldset.querySelector("input[name=seq" + position + "]").value = result.body.sequence;
        state.textContent = "Saved.";
        state.className = "save-state small mb-0 text-success";
        updateCount();
      } else {
        state.textContent = result.body.error || "Not saved.";
        state.className = "save-state small mb-0 text-danger fw-semibold";
        if (result.status === 409 && /Time is up|submitted/.test(result.body.error || "")) {
          window.location.reload();
        }
      }
    }).catch(function () {
      state.textContent = "Not saved: no connection. Your answer will be sent when you press Save answers.";
      state.className = "save-state small mb-0 text-danger fw-semibold";
    });
  }

  function updateCount() {
    var count = 0;
    form.querySelectorAll("fieldset.question-card").forEach(function (fs) {
      var any = Array.prototype.some.call(fs.querySelectorAll("input[type=radio], input[type=checkbox]"), function (el) { return el.checked; }) ||
        Array.prototype.some.call(fs.querySelectorAll("select"), function (el) { return el.value; });
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
    var deadline = new Date(timer.getAttribute("data-deadline")).getTime();
    var value = timer.querySelector(".countdown-value");
    var announce = timer.querySelector(".countdown-announce");
    var warned = {};
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60), seconds = left % 60;
      value.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
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
