// One mannequin (tapered capsules + head sphere) driven by joint positions from the API.
import * as THREE from 'three';

const UP = new THREE.Vector3(0, 1, 0);
const SPHERE = new THREE.SphereGeometry(1, 18, 12);
const NO_ROTATION = new THREE.Quaternion();
const materials = new Map();

function material(color, cheap) {
  const key = `${color}/${cheap}`;
  if (!materials.has(key)) {
    const c = new THREE.Color(color);
    materials.set(key, cheap ? new THREE.MeshLambertMaterial({ color: c })
      : new THREE.MeshStandardMaterial({ color: c, roughness: 0.75, metalness: 0.0 }));
  }
  return materials.get(key);
}

/** Split a caption into at most two lines of about ``width`` characters (ellipsis if longer). */
function wrap(text, width = 26) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && `${line} ${word}`.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  const out = lines.slice(0, 2).map((l) => (l.length > width + 6 ? `${l.slice(0, width + 5)}…` : l));
  if (lines.length > 2 && !out[1].endsWith('…')) out[1] += ' …';
  return out.length ? out : [''];
}

/** A camera-facing caption no wider than ``maxWidth`` metres. */
function labelSprite(text, maxWidth) {
  const lines = wrap(text);
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  const font = 'bold 40px sans-serif';
  ctx.font = font;
  const lineH = 48;
  canvas.width = Math.ceil(1.05 * Math.max(...lines.map((l) => ctx.measureText(l).width))) + 32;
  canvas.height = lineH * lines.length + 14;
  ctx.font = font;
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#1d2430';
  ctx.textBaseline = 'middle';
  lines.forEach((l, i) => ctx.fillText(l, 16, 7 + lineH * (i + 0.5)));
  const tex = new THREE.CanvasTexture(canvas);
  tex.colorSpace = THREE.SRGBColorSpace;
  const sprite = new THREE.Sprite(new THREE.SpriteMaterial({ map: tex, depthTest: false, fog: false }));
  const perPixel = Math.min(0.14 / lineH, maxWidth / canvas.width);
  sprite.scale.set(perPixel * canvas.width, perPixel * canvas.height, 1);
  sprite.center.set(0.5, 0);
  sprite.renderOrder = 10;
  return sprite;
}

export class Figure {
  /**
   * @param {object} motion API motion (positions T x J x 3, mannequin).
   * @param {THREE.Vector3} offset added to every joint.
   * @param {{cheap?: boolean, blob?: THREE.Texture, labelWidth?: number}} opts cheap: Lambert shading, no shadow
   *   casting; blob: a soft floor-shadow texture; labelWidth: widest caption in metres.
   */
  constructor(motion, offset, { cheap = false, blob = null, labelWidth = 1.5 } = {}) {
    this.motion = motion;
    this.offset = offset;
    this.frames = motion.positions.length;
    this.group = new THREE.Group();
    const mesh = (geometry, mat) => {
      const m = new THREE.Mesh(geometry, mat);
      m.castShadow = !cheap;
      return m;
    };
    const material_ = (color) => material(color, cheap);
    const spec = motion.mannequin;
    this.bones = spec.bones.map((b) => {
      const cyl = new THREE.CylinderGeometry(b.r1, b.r0, 1, 18, 1, true);
      cyl.translate(0, 0.5, 0);
      const body = mesh(cyl, material_(b.color));
      this.group.add(body);
      return { spec: b, body };
    });
    // Every sphere (joint ends, head, nose) of this figure in one instanced draw call.
    this.radii = spec.bones.flatMap((b) => [b.r0, b.r1]);
    const colors = spec.bones.flatMap((b) => [b.color, b.color]);
    if (spec.head) {
      this.headIndex = this.radii.length;
      this.radii.push(spec.head.radius);
      colors.push(spec.head.color);
      if (spec.nose) {
        this.radii.push(spec.nose.radius);
        colors.push(spec.nose.color);
      }
    }
    this.spheres = new THREE.InstancedMesh(SPHERE, material_('#ffffff'), this.radii.length);
    this.spheres.castShadow = !cheap;
    this.spheres.frustumCulled = false;
    colors.forEach((c, i) => this.spheres.setColorAt(i, new THREE.Color(c)));
    this.group.add(this.spheres);
    this.centres = this.radii.map(() => new THREE.Vector3());
    this._m = new THREE.Matrix4();
    this._s = new THREE.Vector3();
    this.label = labelSprite(motion.text, labelWidth);
    this.group.add(this.label);
    if (blob) {
      this.blob = new THREE.Mesh(new THREE.PlaneGeometry(0.9, 0.9), new THREE.MeshBasicMaterial({ map: blob, transparent: true, depthWrite: false }));
      this.blob.rotation.x = -Math.PI / 2;
      this.group.add(this.blob);
    }
    this._p = Array.from({ length: motion.joints.length }, () => new THREE.Vector3());
    this._d = new THREE.Vector3();
  }

  /** Lowest point of the body over the whole clip (for the floor), before the offset. */
  static lowest(motion) {
    let low = Infinity;
    for (const frame of motion.positions) {
      for (const b of motion.mannequin.bones) {
        low = Math.min(low, frame[b.a][1] - b.r0, frame[b.b][1] - b.r1);
      }
      for (const p of frame) low = Math.min(low, p[1]);
    }
    return low;
  }

  /** World position of the root at frame t. */
  root(t) {
    const f = this.motion.positions[Math.min(t, this.frames - 1)];
    const r = this.motion.parents.indexOf(-1);
    return new THREE.Vector3(...f[r]).add(this.offset);
  }

  setFrame(t) {
    const f = this.motion.positions[Math.min(t, this.frames - 1)];
    const p = this._p;
    let top = -Infinity;
    for (let j = 0; j < f.length; j++) {
      p[j].set(f[j][0], f[j][1], f[j][2]).add(this.offset);
      top = Math.max(top, p[j].y);
    }
    const d = this._d;
    const c = this.centres;
    this.bones.forEach((bone, i) => {
      const a = p[bone.spec.a];
      d.subVectors(p[bone.spec.b], a);
      const len = d.length();
      c[2 * i].copy(a);
      if (len < 1e-6) {
        bone.body.visible = false;
        c[2 * i + 1].copy(a);
        return;
      }
      d.divideScalar(len);
      const full = len + bone.spec.extend;
      bone.body.visible = true;
      bone.body.position.copy(a);
      bone.body.quaternion.setFromUnitVectors(UP, d);
      bone.body.scale.set(1, full, 1);
      c[2 * i + 1].copy(a).addScaledVector(d, full);
    });
    if (this.headIndex !== undefined) this._placeHead(p);
    for (let i = 0; i < c.length; i++) {
      this._m.compose(c[i], NO_ROTATION, this._s.setScalar(this.radii[i]));
      this.spheres.setMatrixAt(i, this._m);
    }
    this.spheres.instanceMatrix.needsUpdate = true;
    const r = p[this.motion.parents.indexOf(-1)];
    this.label.position.set(r.x, top + 0.25, r.z);
    if (this.blob) this.blob.position.set(r.x, 0.004, r.z);
  }

  _placeHead(p) {
    const spec = this.motion.mannequin;
    const h = spec.head;
    const up = new THREE.Vector3().subVectors(p[h.joint], p[h.base]);
    if (up.lengthSq() < 1e-12) up.set(0, 1, 0); else up.normalize();
    const fwd = new THREE.Vector3();
    if (spec.left.length && spec.right.length) {
      const l = new THREE.Vector3(), r = new THREE.Vector3();
      spec.left.forEach((j) => l.add(p[j]));
      spec.right.forEach((j) => r.add(p[j]));
      l.divideScalar(spec.left.length).sub(r.divideScalar(spec.right.length));
      fwd.set(-l.z, 0, l.x);
      if (fwd.lengthSq() > 1e-12) fwd.normalize();
    }
    const k = this.headIndex;
    const c = this.centres[k].copy(p[h.joint]).addScaledVector(up, 0.55 * h.radius).addScaledVector(fwd, 0.22 * h.radius);
    if (spec.nose) this.centres[k + 1].copy(c).addScaledVector(fwd, 0.9 * h.radius).addScaledVector(up, -0.12 * h.radius);
  }

  dispose() {
    for (const bone of this.bones) bone.body.geometry.dispose();
    this.spheres.dispose();
    this.label.material.map.dispose();
    this.label.material.dispose();
    if (this.blob) { this.blob.geometry.dispose(); this.blob.material.dispose(); }
  }
}
