"""The badge image: the achievement's picture, and the holder's copy with the credential baked in.

The picture is drawn once a process with Pillow (no text, so it reads the same in every
language): a seal in the site's colours. Open Badges 3.0 (§ 5.3, "Baking") puts a credential in
a PNG as an iTXt chunk with the keyword `openbadgecredential`; for a credential secured as a
VC-JWT, its text is the compact JWS. A badge image carried to a backpack or a wallet that
reads baked badges is then the credential itself.
"""

import io
import math
from functools import cache

from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

SIZE = 512
ACCENT = (138, 59, 18)  # --accent of site.css
TINT = (244, 241, 234)  # --tint
INK = (255, 255, 255)
BAKED_KEYWORD = "openbadgecredential"
MEDIA_TYPE = "image/png"


@cache
def badge_png() -> bytes:
    """The achievement's image: a seal with a check mark, as a PNG (the same bytes each time)."""
    scale = 4  # drawn large, then reduced: smooth edges without an antialiasing library
    size = SIZE * scale
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = size / 2
    # A scalloped rim, a ring, then the seal's face.
    points = []
    for step in range(96):
        angle = 2 * math.pi * step / 96
        radius = centre * (0.98 if step % 2 == 0 else 0.92)
        points.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    draw.polygon(points, fill=ACCENT)
    for radius, colour in ((0.84, TINT), (0.78, ACCENT)):
        box = [centre - centre * radius, centre - centre * radius]
        draw.ellipse([*box, size - box[0], size - box[1]], fill=colour)
    # The check mark.
    tick = [(0.33, 0.52), (0.45, 0.64), (0.69, 0.38)]
    draw.line(
        [(x * size, y * size) for x, y in tick], fill=INK, width=int(size * 0.07), joint="curve"
    )
    for x, y in (tick[0], tick[-1]):
        dot = size * 0.035
        draw.ellipse([x * size - dot, y * size - dot, x * size + dot, y * size + dot], fill=INK)
    image = image.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    return _png(image, None)


def baked_badge_png(credential_jwt: str) -> bytes:
    """The badge with the credential baked in (an iTXt chunk `openbadgecredential`)."""
    image = Image.open(io.BytesIO(badge_png()))
    info = PngInfo()
    info.add_itxt(BAKED_KEYWORD, credential_jwt)
    return _png(image, info)


def _png(image: Image.Image, info: PngInfo | None) -> bytes:
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True, pnginfo=info)
    return output.getvalue()
