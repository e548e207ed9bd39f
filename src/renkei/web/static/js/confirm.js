// Forms (or the submit buttons) whose action cannot be undone carry data-confirm="question":
// the browser asks first.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var question = (button && button.getAttribute("data-confirm")) ||
    (form.getAttribute && form.getAttribute("data-confirm"));
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);

// A select marked data-submit-on-change sends its form when changed (the language switcher); an
// inline onchange= would be refused by the content security policy.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.hasAttribute && el.hasAttribute("data-submit-on-change") && el.form) {
    el.form.submit();
  }
});
