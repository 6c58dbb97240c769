// Filters marked data-autosubmit reload as soon as a choice changes; without JS the button does it.
document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
// "Quay lại" on an error page: the previous page where there is one, the home page otherwise.
document.querySelectorAll("a[data-back]").forEach((link) => {
  link.addEventListener("click", (event) => {
    if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
});
