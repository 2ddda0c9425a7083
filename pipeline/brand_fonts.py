"""Well-known type families, to recognise font names in guideline prose.

Custom brand faces ("Tidewell Sans") are found by cue phrases instead ("set in", "typeface:").
"""

KNOWN_FONTS = frozenset(
    """Arial|Arial Black|Arial Narrow|Helvetica|Helvetica Neue|Helvetica Now|Neue Haas Grotesk|Neue Haas Unica|Akzidenz-Grotesk|
    Univers|Frutiger|Futura|Gill Sans|Gill Sans MS|Avenir|Avenir Next|Segoe UI|San Francisco|SF Pro|SF Pro Display|
    SF Pro Text|Roboto|Roboto Slab|Roboto Condensed|Roboto Mono|Roboto Flex|Open Sans|Lato|Montserrat|Poppins|Inter|
    Inter Tight|Source Sans Pro|Source Sans 3|Source Serif Pro|Source Serif 4|Source Code Pro|Noto Sans|Noto Serif|
    Raleway|Nunito|Nunito Sans|Merriweather|Merriweather Sans|Playfair Display|Playfair|PT Sans|PT Serif|Oswald|
    Ubuntu|Work Sans|Rubik|Karla|Fira Sans|Fira Code|IBM Plex Sans|IBM Plex Serif|IBM Plex Mono|DM Sans|DM Serif Display|
    DM Serif Text|DM Mono|Manrope|Mulish|Quicksand|Barlow|Barlow Condensed|Libre Baskerville|Libre Franklin|
    Crimson Text|Crimson Pro|Cormorant|Cormorant Garamond|EB Garamond|Garamond|Adobe Garamond|Josefin Sans|
    Josefin Slab|Archivo|Archivo Black|Archivo Narrow|Space Grotesk|Space Mono|Bebas Neue|Anton|Abril Fatface|Lora|
    Cabin|Arvo|Bitter|Zilla Slab|Baloo|Baloo 2|Comic Neue|Comic Sans|Comic Sans MS|Courier|Courier New|Courier Prime|
    Proxima Nova|Gotham|Gotham Rounded|Brandon Grotesque|Brandon Text|Circular|Circular Std|Graphik|Myriad|Myriad Pro|
    Minion|Minion Pro|Caslon|Adobe Caslon|Baskerville|Bodoni|Didot|Rockwell|Franklin Gothic|Century Gothic|Palatino|
    Palatino Linotype|Book Antiqua|Lucida Grande|Lucida Sans|Tahoma|Verdana|Georgia|Times|Times New Roman|
    Trebuchet MS|Calibri|Cambria|Candara|Constantia|Corbel|Consolas|DejaVu Sans|DejaVu Serif|Liberation Sans|
    Liberation Serif|Arimo|Tinos|Cousine|Jost|Outfit|Sora|Lexend|Plus Jakarta Sans|Figtree|Urbanist|
    Red Hat Display|Red Hat Text|Sofia Pro|Museo Sans|Museo|Apercu|GT America|GT Walsheim|GT Sectra|Aktiv Grotesk|
    Chivo|Hind|Heebo|Assistant|Cairo|Exo|Exo 2|Titillium Web|Varela Round|Fredoka|Fredoka One|Pacifico|Lobster|
    Dancing Script|Caveat|Permanent Marker|Amatic SC|Satisfy|Great Vibes|Kalam|Courgette|Alegreya|Alegreya Sans|
    Spectral|Vollkorn|Old Standard TT|Prata|Cinzel|Marcellus|Yeseva One|Righteous|Fjalla One|Alfa Slab One|
    Passion One|Teko|Rajdhani|Saira|Kanit|Prompt|Mukta|Overpass|Asap|Signika|Maven Pro|Dosis|Catamaran|Encode Sans|
    Public Sans|Atkinson Hyperlegible|Recursive|Bricolage Grotesque|Instrument Sans|Instrument Serif|Fraunces|
    Newsreader|Literata|Epilogue|Syne|Unbounded|Albert Sans|Onest|Geist|Geist Mono|JetBrains Mono|Inconsolata|
    Tiempos|Tiempos Headline|Tiempos Text|Canela|Sentinel|Whitney|Chronicle Display|Knockout|Gilroy|Filson Pro|
    Noe Display|Freight Text|Freight Sans|Freight Display|Mark Pro|FF Mark|FF DIN|DIN|DIN Next|DIN Pro|Eurostile|
    Optima|Trade Gothic|News Gothic|Benton Sans|Acumin Pro|Nexa|Quattrocento|Quattrocento Sans|Oxygen|Questrial|
    Abel|Poiret One|Sarabun|Noto Sans JP|Noto Sans SC|Noto Sans KR|Zen Kaku Gothic New|M PLUS 1p|Sans Forgetica|
    Helvetica Rounded|Nunito Rounded|VAG Rounded|Arial Rounded MT|Bell MT|Copperplate|Trajan|Impact""".replace(
        "\n", ""
    ).split("|")
)
KNOWN_FONTS = frozenset(f.strip() for f in KNOWN_FONTS if f.strip())

# Words that end a family name in running text: weights, styles and widths are not families.
WEIGHT_WORDS = frozenset(
    [
        "thin",
        "hairline",
        "extralight",
        "extra-light",
        "ultralight",
        "ultra-light",
        "light",
        "regular",
        "normal",
        "book",
        "roman",
        "medium",
        "semibold",
        "semi-bold",
        "demibold",
        "demi-bold",
        "bold",
        "extrabold",
        "extra-bold",
        "ultrabold",
        "ultra-bold",
        "black",
        "heavy",
        "italic",
        "oblique",
        "italics",
        "caps",
        "smallcaps",
        "variable",
    ]
)

GENERIC_FAMILIES = frozenset(
    [
        "serif",
        "sans-serif",
        "monospace",
        "cursive",
        "fantasy",
        "system-ui",
        "ui-sans-serif",
        "ui-serif",
        "ui-monospace",
        "ui-rounded",
        "-apple-system",
        "blinkmacsystemfont",
        "emoji",
        "math",
        "fangsong",
        "inherit",
        "initial",
        "unset",
    ]
)
