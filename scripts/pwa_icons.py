"""Draw the app icons (the favicon's doorplate) into pwa/icons/: run once after changing the design."""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "pwa" / "icons"
BLUE, WHITE = (29, 78, 216), (255, 255, 255)


def plate(draw: ImageDraw.ImageDraw, x: float, y: float, s: float) -> None:
    """The doorplate of static/favicon.svg (a 64-unit design) at (x, y), s pixels per unit."""

    def box(x0, y0, w, h, fill, r=0):
        draw.rounded_rectangle([x + x0 * s, y + y0 * s, x + (x0 + w) * s, y + (y0 + h) * s], r * s, fill=fill)

    box(6, 10, 52, 44, BLUE, 6)
    box(14, 18, 16, 16, WHITE)
    box(18, 22, 8, 8, BLUE)
    box(34, 20, 16, 4, WHITE)
    box(34, 28, 12, 4, WHITE)
    box(14, 40, 36, 6, WHITE, 2)


def icon(size: int, maskable: bool) -> Image.Image:
    # Drawn at 4x and scaled down for smooth edges.
    big = size * 4
    img = Image.new("RGB", (big, big), BLUE if maskable else WHITE)
    draw = ImageDraw.Draw(img)
    if maskable:
        # Maskable: a full-bleed background, the plate inside the central 80 % safe circle.
        draw.rounded_rectangle([big * 0.2, big * 0.24, big * 0.8, big * 0.76], big * 0.06, fill=WHITE)
        scale = big * 0.5 / 64
        plate(draw, big * 0.25, big * 0.25 - 2 * scale, scale)
    else:
        plate(draw, 0, 0, big / 64)
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size, False).save(OUT / f"icon-{size}.png", optimize=True)
        icon(size, True).save(OUT / f"maskable-{size}.png", optimize=True)
    icon(180, True).save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
