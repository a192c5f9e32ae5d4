// The county dashboard's charts (Apache ECharts, vendored): data from the page itself.
(function () {
  var node = document.getElementById('dashboard-data');
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var narrow = window.innerWidth < 720;

  function bars(id, names, series, links) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: 'svg' });
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: narrow ? 64 : 40, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: narrow ? 30 : 0 } },
      yAxis: { type: 'value' },
      series: series
    });
    if (links) {
      chart.on('click', function (params) {
        var link = links[params.dataIndex];
        if (link) { window.location.href = link; }
      });
    }
    window.addEventListener('resize', function () { chart.resize(); });
  }

  var t = data.townships;
  bars('chart-townships', t.map(function (x) { return x.name; }), [
    { name: '结对覆盖率（%）', type: 'bar', data: t.map(function (x) { return x.coverage; }), itemStyle: { color: '#b3261e' } },
    { name: data.quiet_days + '天以上未联系（人）', type: 'bar', data: t.map(function (x) { return x.quiet; }), itemStyle: { color: '#c77700' } }
  ]);
  var s = data.schools;
  bars('chart-schools', s.map(function (x) { return x.name; }), [
    { name: '结对覆盖率（%）', type: 'bar', data: s.map(function (x) { return x.coverage; }), itemStyle: { color: '#b3261e' } },
    { name: data.quiet_days + '天以上未联系', type: 'bar', data: s.map(function (x) { return x.quiet; }), itemStyle: { color: '#c77700' } },
    { name: '活动', type: 'bar', data: s.map(function (x) { return x.activities; }), itemStyle: { color: '#0b57a4' } }
  ], s.map(function (x) { return x.link; }));
})();
