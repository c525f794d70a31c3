// The 3D scene: floor grid, lights, orbit camera, and figures playing in sync.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { Figure } from './figure.js';

const SPACING = 1.6; // metres between figures

/** 'high' on a real GPU; 'low' (no MSAA, no shadow maps, cheaper shading) on software GL. */
export function detectQuality() {
  const asked = new URLSearchParams(window.location.search).get('quality');
  if (asked === 'high' || asked === 'low') return asked;
  try {
    const gl = document.createElement('canvas').getContext('webgl2') || document.createElement('canvas').getContext('webgl');
    const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
    const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(name) ? 'low' : 'high';
  } catch (_) {
    return 'low';
  }
}

function blobTexture() {
  const c = document.createElement('canvas');
  c.width = c.height = 64;
  const ctx = c.getContext('2d');
  const g = ctx.createRadialGradient(32, 32, 2, 32, 32, 32);
  g.addColorStop(0, 'rgba(40,45,55,0.45)');
  g.addColorStop(1, 'rgba(40,45,55,0)');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, 64, 64);
  return new THREE.CanvasTexture(c);
}

export class Viewer {
  /** onFrame(t, n) after a frame is shown; onDrawn() once new motions have been drawn a few times. */
  constructor(container, { onFrame, onDrawn, quality } = {}) {
    this.container = container;
    this.onFrame = onFrame || (() => {});
    this.onDrawn = onDrawn || (() => {});
    this.quality = quality || detectQuality();
    const high = this.quality === 'high';
    container.dataset.quality = this.quality;
    this.renderer = new THREE.WebGLRenderer({ antialias: high, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(high ? Math.min(window.devicePixelRatio || 1, 2) : 1);
    this.renderer.shadowMap.enabled = high;
    this.renderer.shadowMap.type = THREE.PCFShadowMap;
    container.appendChild(this.renderer.domElement);

    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color('#cfd9e6');
    this.scene.fog = new THREE.Fog('#cfd9e6', 9, 24); // fades the far grid instead of aliasing
    this.scene.add(new THREE.HemisphereLight('#ffffff', '#8a8f96', high ? 1.6 : 1.9));
    this.sun = new THREE.DirectionalLight('#ffffff', high ? 2.2 : 1.8);
    this.sun.position.set(-2.5, 6, 3);
    this.sun.castShadow = high;
    this.sun.shadow.mapSize.set(1024, 1024);
    Object.assign(this.sun.shadow.camera, { left: -6, right: 6, top: 6, bottom: -6, near: 0.5, far: 20 });
    this.scene.add(this.sun, this.sun.target);

    this.floor = new THREE.Group();
    const floorMat = high
      ? new THREE.MeshStandardMaterial({ color: '#e4e6e8', roughness: 1 })
      : new THREE.MeshBasicMaterial({ color: '#dfe2e6' });
    const plane = new THREE.Mesh(new THREE.PlaneGeometry(40, 40), floorMat);
    plane.rotation.x = -Math.PI / 2;
    plane.receiveShadow = high;
    const grid = new THREE.GridHelper(40, 80, '#8c96a3', '#b9c1cb');
    grid.position.y = 0.001;
    this.floor.add(plane, grid);
    this.scene.add(this.floor);
    this.blob = high ? null : blobTexture();

    this.camera = new THREE.PerspectiveCamera(40, 1, 0.05, 200);
    this.camera.position.set(1.2, 1.7, 4.2);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.target.set(0, 0.9, 0);
    this.controls.enableDamping = true;
    this.controls.addEventListener('change', () => { this.dirty = true; });

    this.figures = [];
    this.frames = 0;
    this.fps = 30;
    this.frame = 0;
    this.playing = true;
    this.follow = true;
    this.clock = 0;
    this.last = performance.now();
    this.rendered = 0;
    this.dirty = true;
    this._centre = new THREE.Vector3();

    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
    this._warmUp();
    this.renderer.setAnimationLoop((now) => this.tick(now));
  }

  /** Compile and draw the figure shaders once now, so the first motion appears without a stall. */
  _warmUp() {
    const dummy = {
      text: 'warm-up', fps: 30, joints: ['a', 'b'], parents: [-1, 0], positions: [[[0, 0, 0], [0, 1, 0]]],
      mannequin: {
        bones: [{ a: 0, b: 1, extend: 0, r0: 0.1, r1: 0.1, color: '#ffffff' }],
        head: { joint: 1, base: 0, radius: 0.1, color: '#ffffff' }, nose: null, left: [], right: [],
      },
    };
    const fig = new Figure(dummy, new THREE.Vector3(), {
        cheap: this.quality === 'low', blob: this.blob, labelWidth: SPACING * 0.94,
      });
    fig.setFrame(0);
    this.scene.add(fig.group);
    this.renderer.compile(this.scene, this.camera);
    this.renderer.render(this.scene, this.camera); // software GL also builds its pipelines on first draw
    this.scene.remove(fig.group);
    fig.dispose();
  }

  resize() {
    const w = this.container.clientWidth || 640, h = this.container.clientHeight || 480;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.dirty = true;
  }

  /** Replace the figures with these motions (API payloads), side by side along x. */
  setMotions(motions) {
    for (const f of this.figures) { this.scene.remove(f.group); f.dispose(); }
    const floorY = Math.min(...motions.map(Figure.lowest));
    this.figures = motions.map((m, i) => {
      const r = m.positions[0][m.parents.indexOf(-1)];
      const x = (i - (motions.length - 1) / 2) * SPACING;
      const fig = new Figure(m, new THREE.Vector3(x - r[0], -floorY, -r[2]), {
        cheap: this.quality === 'low', blob: this.blob, labelWidth: SPACING * 0.94,
      });
      this.scene.add(fig.group);
      return fig;
    });
    this.frames = Math.max(...motions.map((m) => m.positions.length));
    this.fps = motions[0].fps;
    this.clock = 0;
    this.rendered = 0;
    this.frame = 0;
    this.playing = true;
    this._frameCamera(motions.length);
    this.show(0);
  }

  _frameCamera(n) {
    const width = Math.max(1.8, n * SPACING);
    const fov = THREE.MathUtils.degToRad(this.camera.fov);
    const fit = Math.max(width / this.camera.aspect, 2.2) / (2 * Math.tan(fov / 2));
    const dist = 1.15 * fit + 1.0;
    this.controls.target.set(0, 0.9, 0);
    this.camera.position.set(dist * 0.4, 1.6, dist * 0.92);
    this._centre.copy(this._meanRoot(0));
  }

  _meanRoot(t) {
    const c = new THREE.Vector3();
    for (const f of this.figures) c.add(f.root(t));
    return this.figures.length ? c.divideScalar(this.figures.length) : c;
  }

  show(t) {
    this.frame = t;
    for (const f of this.figures) f.setFrame(t);
    if (this.follow && this.figures.length) {
      const c = this._meanRoot(t);
      const delta = new THREE.Vector3(c.x - this._centre.x, 0, c.z - this._centre.z);
      this.camera.position.add(delta);
      this.controls.target.add(delta);
      this._centre.set(c.x, this._centre.y, c.z);
    }
    this.dirty = true;
    this.onFrame(t, this.frames);
  }

  seek(t) { this.clock = t / this.fps; this.show(t); }

  tick(now) {
    const dt = Math.min((now - this.last) / 1000, 0.1);
    this.last = now;
    if (this.playing && this.frames > 0) {
      this.clock += dt;
      const t = Math.floor(this.clock * this.fps) % this.frames;
      if (t !== this.frame) this.show(t);
    }
    this.controls.update();
    if (!this.dirty) return;
    this.dirty = false;
    this.renderer.render(this.scene, this.camera);
    if (this.figures.length && ++this.rendered === 3) this.onDrawn();
  }
}
