// Draws every <div class="chart" data-spec="…"> with Vega-Lite (bundle served by chiso itself).
const viLocale = { decimal: ",", thousands: ".", grouping: [3], currency: ["", " ₫"] };
document.querySelectorAll(".chart[data-spec]").forEach((el) => {
  const spec = JSON.parse(el.dataset.spec);
  window.vegaEmbed(el, spec, { actions: false, defaultStyle: false, tooltip: { disableDefaultStyle: true }, formatLocale: viLocale, renderer: "svg" }).catch((err) => {
    el.textContent = "Không vẽ được biểu đồ: " + err;
  });
});
