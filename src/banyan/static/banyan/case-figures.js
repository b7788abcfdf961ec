// The charts of the case figures page (/cases/figures/), drawn from the JSON the page carries
// (json_script "case-figures-data"): cases received by month with their rates, and the chosen grouping's volumes.
(function () {
  "use strict";
  var blob = document.getElementById("case-figures-data");
  if (!blob || !window.echarts) {
    return;
  }
  var data = JSON.parse(blob.textContent);
  var labels = data.labels;
  var palette = ["#1c6a4c", "#e0a526", "#c2410c", "#5b8def", "#8a5cc2"];
  var grouped = new Intl.NumberFormat(document.documentElement.lang || "zh-CN");
  var charts = [];
  var narrow = window.matchMedia("(max-width: 639px)").matches;

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) {
      return;
    }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  }

  function percent(v) {
    return v === null || v === undefined ? "—" : v + "%";
  }

  var months = data.months;
  draw("chart-months", {
    color: palette,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0, icon: "circle", itemWidth: 10, itemHeight: 10, textStyle: { fontSize: 12 } },
    grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    xAxis: {
      type: "category", data: months.names,
      // "2026年3月" → "3月" on the axis (the tooltip keeps the year); every label where they fit.
      axisLabel: { interval: narrow ? "auto" : 0, formatter: function (v) { return v.replace(/^\d+年/, ""); } }
    },
    yAxis: [
      { type: "value", minInterval: 1, axisLabel: { formatter: function (v) { return grouped.format(v); } } },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } }
    ],
    series: [
      { name: labels.received, type: "bar", data: months.received, barMaxWidth: 22,
        itemStyle: { borderRadius: [4, 4, 0, 0] }, tooltip: { valueFormatter: function (v) { return grouped.format(v); } } },
      { name: labels.resolution_rate, type: "line", yAxisIndex: 1, data: months.resolution_rate, connectNulls: true,
        symbolSize: 6, tooltip: { valueFormatter: percent } },
      { name: labels.satisfaction_rate, type: "line", yAxisIndex: 1, data: months.satisfaction_rate, connectNulls: true,
        symbolSize: 6, tooltip: { valueFormatter: percent } }
    ]
  });

  var groups = data.groups;
  var groupsEl = document.getElementById("chart-groups");
  if (groupsEl) {
    // One row per group: the chart grows with the number of bars rather than squeezing them.
    groupsEl.style.height = Math.max(180, groups.names.length * 40 + 60) + "px";
  }
  draw("chart-groups", {
    color: [palette[0], palette[2], palette[1]],
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return grouped.format(v); } },
    legend: { top: 0, icon: "circle", itemWidth: 10, itemHeight: 10, textStyle: { fontSize: 12 } },
    grid: { left: 8, right: 28, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1, axisLabel: { formatter: function (v) { return grouped.format(v); } } },
    yAxis: { type: "category", inverse: true, data: groups.names, axisLabel: { width: narrow ? 84 : 130, overflow: "truncate" } },
    series: [
      { name: labels.received, type: "bar", data: groups.received, barMaxWidth: 14,
        label: { show: true, position: "right", fontSize: 11 } },
      { name: labels.overdue, type: "bar", data: groups.overdue, barMaxWidth: 14 },
      { name: labels.escalated, type: "bar", data: groups.escalated, barMaxWidth: 14 }
    ]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
