"""Small browser widgets for the dashboard: an offline plotly view and a file picker.

plotly.js is sent once per page by :class:`PlotlyLoader` (no CDN, works offline); each
:class:`PlotlyView` draws one figure from its JSON with ``Plotly.react``. The file
picker reads the chosen file in the browser and hands its text to Python; nothing in
it is executed.
"""

from __future__ import annotations

import ipyvue
import traitlets

_LOADER = """
<template><span class="zili-plotly-loader" style="display:none"></span></template>
<script>
module.exports = {
  mounted() {
    if (window.Plotly) { return; }
    // the page may run require.js: hide `define` so the UMD bundle sets window.Plotly
    const saved = window.define;
    window.define = undefined;
    const s = document.createElement('script');
    s.text = this.plotly_js;
    document.head.appendChild(s);
    window.define = saved;
  }
}
</script>
"""

_VIEW = """
<template><div ref="plot" class="zili-plot" :data-figure="name" style="width:100%;max-width:100%;min-height:200px"></div></template>
<script>
module.exports = {
  mounted() { this.draw(); },
  watch: { figure_json() { this.draw(); } },
  methods: {
    draw() {
      const go = () => {
        if (!window.Plotly || !this.$refs.plot) { setTimeout(go, 100); return; }
        const f = JSON.parse(this.figure_json || '{"data":[],"layout":{}}');
        f.layout.autosize = true;
        delete f.layout.width;
        window.Plotly.react(this.$refs.plot, f.data, f.layout, {responsive: true, displaylogo: false});
        // size to the container once the layout has settled (the sidebar and column widths)
        setTimeout(() => { if (this.$refs.plot) { window.Plotly.Plots.resize(this.$refs.plot); } }, 60);
        this.$refs.plot.setAttribute('data-revision', String(this.revision));
      };
      go();
    }
  }
}
</script>
"""

_PICKER = """
<template>
  <div class="zili-upload">
    <label style="font-size:14px">{{ label }}
      <input type="file" accept=".toml,text/plain" @change="pick" data-testid="scenario-upload" />
    </label>
  </div>
</template>
<script>
module.exports = {
  methods: {
    pick(e) {
      const f = e.target.files[0];
      if (!f) { return; }
      if (f.size > this.max_bytes) {
        this.upload = {name: f.name, text: '', too_big: f.size, n: Date.now()};
        return;
      }
      const r = new FileReader();
      r.onload = () => { this.upload = {name: f.name, text: r.result, n: Date.now()}; e.target.value = ''; };
      r.readAsText(f);
    }
  }
}
</script>
"""


class PlotlyLoader(ipyvue.VueTemplate):
    """Inlines plotly.js into the page once (from the installed plotly, no network)."""

    template = traitlets.Unicode(_LOADER).tag(sync=True)
    plotly_js = traitlets.Unicode("").tag(sync=True)


class PlotlyView(ipyvue.VueTemplate):
    """One plotly figure, given as its JSON (``fig.to_json()``)."""

    template = traitlets.Unicode(_VIEW).tag(sync=True)
    figure_json = traitlets.Unicode("").tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)


class FilePicker(ipyvue.VueTemplate):
    """A file input; ``upload`` becomes ``{name, text, n}`` (or ``too_big``) when a file is chosen."""

    template = traitlets.Unicode(_PICKER).tag(sync=True)
    label = traitlets.Unicode("upload a scenario (TOML): ").tag(sync=True)
    max_bytes = traitlets.Int(1_000_000).tag(sync=True)
    upload = traitlets.Dict({}).tag(sync=True)
