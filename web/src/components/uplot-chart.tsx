// uPlot in a Preact component: the plot is created once (and again only when its series change),
// fed new data with setData every refresh, sized to its container, and destroyed on unmount.
// Re-creating it every second would flicker and lose the reader's hover. Away from the cursor,
// the legend shows the latest values.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export function UplotChart(props: {
  /** Everything but the size; a new object re-creates the plot, so memoise it on what it depends on. */
  options: Omit<uPlot.Options, "width" | "height">;
  data: uPlot.AlignedData;
  height: number;
}) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const data = useRef(props.data);
  data.current = props.data;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const hooks = props.options.hooks ?? {};
    const created = new uPlot(
      {
        ...props.options,
        width: Math.max(element.clientWidth, 200),
        height: props.height,
        hooks: { ...hooks, setLegend: [...(hooks.setLegend ?? []), showLatestWhenNotHovering] },
      },
      data.current,
      element,
    );
    plot.current = created;
    const resized = new ResizeObserver(() => {
      const width = Math.max(element.clientWidth, 200);
      if (width !== created.width) created.setSize({ width, height: props.height });
    });
    resized.observe(element);
    return () => {
      resized.disconnect();
      created.destroy();
      plot.current = undefined;
    };
  }, [props.options, props.height]);

  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);

  return <div class="uplot-chart" ref={container} />;
}

/**
 * The legend shows the values under the cursor; with the cursor elsewhere it would show dashes,
 * so it shows the latest values instead.
 */
function showLatestWhenNotHovering(u: uPlot): void {
  const last = u.data[0].length - 1;
  if ((u.legend.idx === null || u.legend.idx === undefined) && last >= 0) u.setLegend({ idx: last }, false);
}
