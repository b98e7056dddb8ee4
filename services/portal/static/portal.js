// The portal's only script, and an improvement only: every page and form works without it.
// A form (or its button) marked data-confirm asks before it is sent what cannot be undone:
// stopping a scheme, taking a day out of the calendar.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) ||
      event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
})();
