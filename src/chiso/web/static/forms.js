// Filters marked data-autosubmit reload as soon as a choice changes; without JS the button does it.
document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
