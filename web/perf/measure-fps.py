# Reads the dashboard's own #fps (web/src/graph.js) every 5 s over the first 60 s of a replay at 1x, in headless
# Chromium driven through chromedriver's HTTP API (no Selenium needed). Start the dashboard first:
#   dotnet run -c Release --project src/Nodus.Cli -- dashboard --replay DIR --listen 127.0.0.1:5099
#   python3 web/perf/measure-fps.py http://127.0.0.1:5099/
# Needs Debian's chromium and chromium-driver (chromedriver on PATH). See docs/dashboard.md for figures.
import json, sys, time, urllib.request, subprocess
url = sys.argv[1]; port = int(sys.argv[2]) if len(sys.argv) > 2 else 9517
drv = subprocess.Popen(['chromedriver', f'--port={port}'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.5)
def call(method, path, body=None):
    req = urllib.request.Request(f'http://127.0.0.1:{port}{path}', method=method,
        data=json.dumps(body).encode() if body is not None else None, headers={'Content-Type': 'application/json'})
    return json.load(urllib.request.urlopen(req, timeout=120))
try:
    s = call('POST', '/session', {'capabilities': {'alwaysMatch': {'goog:chromeOptions': {'binary': '/usr/bin/chromium',
        'args': ['--headless', '--no-sandbox', '--disable-gpu', '--window-size=1400,900', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run']}}}})['value']['sessionId']
    call('POST', f'/session/{s}/url', {'url': url})
    js = lambda src: call('POST', f'/session/{s}/execute/sync', {'script': src, 'args': []})['value']
    while not js('return !!(window.nodus && window.nodus.replay)'): time.sleep(0.2)
    t0 = time.time()
    for i in range(1, 13):
        time.sleep(t0 + 5 * i - time.time())
        print(json.dumps(js("""const r = window.nodus.replay, g = window.nodus.graph;
          return { wall: %d, fps: document.getElementById('fps').textContent, replay: ((r.time - r.start)/1e6).toFixed(1),
                   packets: g.packets.size ?? g.packets.length, alpha: +g.simulation.alpha().toFixed(4) };""" % (5 * i))), flush=True)
    call('DELETE', f'/session/{s}')
finally:
    drv.terminate()
