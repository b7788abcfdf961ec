// The dashboard's two charts, drawn from the JSON the page carries (json_script "dashboard-data").
(function () {
  "use strict";
  var blob = document.getElementById("dashboard-data");
  if (!blob || !window.echarts) {
    return;
  }
  var data = JSON.parse(blob.textContent);
  var palette = ["#1c6a4c", "#e0a526", "#c2410c", "#5b8def", "#8a5cc2"];
  var charts = [];
  var grouped = new Intl.NumberFormat(document.documentElement.lang || "zh-CN");

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) {
      return;
    }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  }

  var total = data.residency.data.reduce(function (sum, d) { return sum + d.value; }, 0);
  var values = {};
  data.residency.data.forEach(function (d) { values[d.name] = d.value; });
  draw("chart-residency", {
    color: palette,
    tooltip: { trigger: "item", valueFormatter: function (v) { return grouped.format(v); } },
    legend: { bottom: 0, icon: "circle", formatter: function (name) { return name + "  " + grouped.format(values[name]); } },
    title: { text: grouped.format(total), left: "center", top: "36%", textStyle: { fontSize: 22, color: "#0f3b2a" } },
    series: [{
      type: "pie",
      radius: ["48%", "72%"],
      center: ["50%", "44%"],
      label: { show: false },
      data: data.residency.data
    }]
  });

  var bars = data.bars;
  var barsEl = document.getElementById("chart-bars");
  if (barsEl) {
    // One row per place: the chart grows with the number of bars rather than squeezing them.
    barsEl.style.height = Math.max(180, bars.names.length * 34 + 50) + "px";
  }
  draw("chart-bars", {
    color: palette,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return grouped.format(v); } },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", axisLabel: { formatter: function (v) { return grouped.format(v); } } },
    yAxis: { type: "category", inverse: true, data: bars.names, axisLabel: { width: 90, overflow: "truncate" } },
    series: [{ type: "bar", data: bars.values, barMaxWidth: 18, itemStyle: { borderRadius: [0, 4, 4, 0] },
               label: { show: true, position: "right", formatter: function (p) { return grouped.format(p.value); } } }]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
