"""Word lists the name matcher relies on: legal forms, abbreviations, generic words, places.

All entries are written in the matcher's normalized form (NFKC, casefolded, diacritics and
punctuation removed, tokens separated by single spaces).  They are general knowledge of company
naming (ISO 20275 legal forms, common trade abbreviations, the places that prefix Entity List
names), never names taken from a test set.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


__all__ = [
    "ABBREVIATIONS",
    "CJK_LEGAL_FORMS",
    "CJK_PLACES",
    "GENERIC_WORDS",
    "HONORIFICS",
    "LEGAL_FORMS",
    "NUMBER_WORDS",
    "PARTICLES",
    "PLACES",
    "ROMAN",
    "STOPWORDS",
]

#: legal form phrase -> (class, family).  A class is what two forms must share to be equal;
#: a family groups classes that are close (Ltd / LLC / GmbH) and so only half-disagree.
_FORMS: dict[str, tuple[str, ...]] = {
    # limited liability, private limited
    "llc:ltd": (
        "llc", "l l c", "limited liability company", "limited liability co", "ltd", "limited",
        "co ltd", "company limited", "co limited", "corp ltd", "corporation limited", "pte ltd",
        "pte limited", "pvt ltd", "private limited", "pty ltd", "proprietary limited",
        "sdn bhd", "sendirian berhad", "bhd", "berhad", "ooo", "obshchestvo s ogranichennoi "
        "otvetstvennostiu", "obshchestvo s ogranichennoy otvetstvennostyu", "tov", "too",
        "sp z oo", "spolka z ograniczona odpowiedzialnoscia", "srl", "s r l", "sarl", "s a r l",
        "societatea cu raspundere limitata", "societe a responsabilite limitee",
        "gmbh", "gesellschaft mit beschrankter haftung", "ges m b h", "bv", "b v",
        "besloten vennootschap", "ltda", "limitada", "s de rl", "kft", "doo", "d o o", "sro",
        "s r o", "yugen kaisha", "yk", "godo kaisha", "gk", "youxian gongsi",
    "youxian zeren gongsi",
        "co llc", "fze", "fzco", "fz llc", "dmcc", "llp", "l l p", "limited liability partnership",
        "pt", "p t", "perseroan terbatas",
    ),
    # joint-stock and public companies
    "jsc:ag": (
        "jsc", "j s c", "joint stock company", "joint stock co", "ojsc", "cjsc", "pjsc", "oao",
        "zao", "pao", "ao", "aktsionernoe obshchestvo", "otkrytoe aktsionernoe obshchestvo",
        "zakrytoe aktsionernoe obshchestvo", "publichnoe aktsionernoe obshchestvo",
        "public joint stock company", "open joint stock company", "closed joint stock company",
        "ag", "aktiengesellschaft", "sa", "s a", "societe anonyme", "sociedad anonima",
        "s a de c v", "sa de cv", "sab de cv", "spa", "s p a", "societa per azioni", "nv", "n v",
        "naamloze vennootschap", "plc", "public limited company", "kk", "k k",
        "kabushiki kaisha", "kabushikigaisha", "gufen youxian gongsi", "tbk", "ab", "aktiebolag",
        "as", "asa", "oyj", "se", "sas", "s a s", "societe par actions simplifiee", "jsc co",
    ),
    # corporations and companies (US style)
    "corp:corp": (
        "corporation", "corp", "incorporated", "inc", "company", "co", "comp", "cmpny",
        "companies", "co inc",
        "corp inc",
    ),
    # partnerships
    "lp:lp": (
        "lp", "l p", "limited partnership", "partnership", "kg", "gmbh co kg", "gmbh and co kg",
        "ohg", "cv", "c v", "sca",
    ),
    # groups and holdings: organisational words, not legal forms, but just as generic
    "group:group": (
        "group", "grp", "gruppe", "groupe", "grupo", "gruppo", "jituan", "holding", "holdings",
        "hldg", "hldgs",
    ),
}  # fmt: skip

LEGAL_FORMS: dict[str, tuple[str, str]] = {
    phrase: (key.partition(":")[0], key.partition(":")[2])
    for key, phrases in _FORMS.items()
    for phrase in phrases
}
LEGAL_FORMS.update(
    {
        # a few forms that share a family but are their own class
        "ltd": ("ltd", "llc"),
        "limited": ("ltd", "llc"),
        "co ltd": ("ltd", "llc"),
        "company limited": ("ltd", "llc"),
        "co limited": ("ltd", "llc"),
        "gmbh": ("gmbh", "llc"),
        "gesellschaft mit beschrankter haftung": ("gmbh", "llc"),
        "ges m b h": ("gmbh", "llc"),
        "ag": ("ag", "jsc"),
        "aktiengesellschaft": ("ag", "jsc"),
        "plc": ("plc", "jsc"),
        "public limited company": ("plc", "jsc"),
        "sa": ("sa", "jsc"),
        "s a": ("sa", "jsc"),
        "societe anonyme": ("sa", "jsc"),
        "sociedad anonima": ("sa", "jsc"),
        "kk": ("kk", "jsc"),
        "k k": ("kk", "jsc"),
        "kabushiki kaisha": ("kk", "jsc"),
        "kabushikigaisha": ("kk", "jsc"),
        "llp": ("llp", "lp"),
        "l l p": ("llp", "lp"),
        "limited liability partnership": ("llp", "lp"),
    }
)

#: CJK legal forms, matched as substrings anywhere in a run of CJK characters (longest first)
CJK_LEGAL_FORMS: dict[str, tuple[str, str]] = {
    "股份有限公司": ("jsc", "jsc"),
    "有限责任公司": ("llc", "llc"),
    "有限責任公司": ("llc", "llc"),
    "有限公司": ("ltd", "llc"),
    "株式会社": ("kk", "jsc"),
    "有限会社": ("llc", "llc"),
    "合同会社": ("llc", "llc"),
    "合資会社": ("lp", "lp"),
    "合名会社": ("lp", "lp"),
    "(株)": ("kk", "jsc"),
    "(有)": ("llc", "llc"),
    "集团": ("group", "group"),
    "集團": ("group", "group"),
    "グループ": ("group", "group"),
    "公司": ("corp", "corp"),
    "会社": ("corp", "corp"),
    "주식회사": ("kk", "jsc"),
    "유한회사": ("llc", "llc"),
}

#: abbreviation -> the words it stands for (a word matches when the sets meet)
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "comm": ("communication", "communications", "commercial", "committee", "commission"),
    "comms": ("communication", "communications"),
    "commun": ("communication", "communications"),
    "coml": ("commercial",),
    "tech": ("technology", "technologies", "technical", "technique"),
    "techn": ("technology", "technologies", "technical"),
    "technol": ("technology", "technologies"),
    "srvcs": ("services", "service"),
    "srvces": ("services", "service"),
    "svcs": ("services", "service"),
    "svc": ("service", "services"),
    "serv": ("service", "services"),
    "intl": ("international",),
    "int": ("international",),
    "internat": ("international",),
    "mfg": ("manufacturing",),
    "mfr": ("manufacturer", "manufacturing"),
    "ind": ("industry", "industries", "industrial"),
    "inds": ("industries", "industry"),
    "indus": ("industry", "industries", "industrial"),
    "sci": ("science", "sciences", "scientific"),
    "univ": ("university",),
    "inst": ("institute", "institution"),
    "res": ("research",),
    "acad": ("academy",),
    "elec": ("electronic", "electronics", "electric", "electrical"),
    "elect": ("electronic", "electronics", "electric", "electrical"),
    "electr": ("electronic", "electronics", "electric", "electrical"),
    "eng": ("engineering",),
    "engr": ("engineering",),
    "engg": ("engineering",),
    "dev": ("development",),
    "devt": ("development",),
    "natl": ("national",),
    "nat": ("national",),
    "assn": ("association",),
    "assoc": ("association", "associates"),
    "dept": ("department",),
    "govt": ("government",),
    "mgmt": ("management",),
    "mgt": ("management",),
    "equip": ("equipment",),
    "sys": ("system", "systems"),
    "info": ("information",),
    "mach": ("machinery", "machine"),
    "prod": ("products", "production", "product"),
    "prods": ("products",),
    "trdg": ("trading",),
    "imp": ("import",),
    "exp": ("export",),
    "invest": ("investment", "investments"),
    "inv": ("investment", "investments"),
    "mkt": ("market", "marketing"),
    "mktg": ("marketing",),
    "bros": ("brothers",),
    "ctr": ("center", "centre"),
    "cent": ("center", "centre", "central"),
    "lab": ("laboratory", "laboratories"),
    "labs": ("laboratories", "laboratory"),
    "aero": ("aerospace", "aeronautical", "aeronautics"),
    "petro": ("petroleum",),
    "chem": ("chemical", "chemicals", "chemistry"),
    "pharm": ("pharmaceutical", "pharmaceuticals"),
    "pharma": ("pharmaceutical", "pharmaceuticals"),
    "opt": ("optical", "optics"),
    "phys": ("physics",),
    "mech": ("mechanical",),
    "auto": ("automotive", "automation", "automobile"),
    "ent": ("enterprise", "enterprises"),
    "entp": ("enterprise", "enterprises"),
    "mat": ("material", "materials"),
    "matl": ("material", "materials"),
    "matls": ("materials",),
    "shpg": ("shipping",),
    "logis": ("logistics",),
    "constr": ("construction",),
    "tel": ("telecom", "telecommunications", "telephone"),
    "telecom": ("telecommunications", "telecommunication"),
    "us": ("united states",),
    "usa": ("united states",),
    "uk": ("united kingdom",),
    "prc": ("china",),
    "st": ("saint", "street"),
    "mt": ("mount",),
    "ft": ("fort",),
}

#: words common to so many organisation names that sharing one proves nothing alone
GENERIC_WORDS: frozenset[str] = _words(
    """
    academy advanced aerospace agency agricultural agriculture air airlines aviation
    association automation automotive bank banking bureau business capital center centre
    chemical chemicals china chinese commerce commercial communication communications
    computer computing construction consulting consultants control
    defence defense department design development devices digital distribution east
    economic electric electrical electronic electronics energy engineering enterprise
    enterprises equipment establishment export exports finance financial foundation fund
    general global government heavy high holding holdings import imports industrial
    industries industry information institute institution instrument instruments insurance
    integrated international investment investments laboratory laboratories
    logistics machinery machine management manufacturing marine maritime market marketing
    materials material mechanical medical metal metals military mining ministry national
    network networks new north nuclear office oil optical optics organization organisation
    partners petroleum pharmaceutical pharmaceuticals power precision product products
    project projects research resources science sciences scientific security services
    service shipping software solutions south special state steel supply supplies system
    systems technical technologies technology telecom telecommunications trade trading
    transport travel trust union united university west world
    """
)

#: function words, kept as low-weight tokens rather than deleted
STOPWORDS: frozenset[str] = _words(
    "the of and for a an in on at to by de del della der des di du da do dos das la le les "
    "el los las y e et und van von ve i"
)

#: name particles (Arabic, Dutch, German, …): part of a person's name but weak evidence
PARTICLES: frozenset[str] = _words(
    "al el bin ben ibn bint ould van von der den de da di du dos das le la ter ten"
)
#: particles written differently that mean the same
PARTICLE_CANON: dict[str, str] = {"ben": "bin", "ibn": "bin", "el": "al"}

#: titles and honorifics before person names
HONORIFICS: frozenset[str] = _words(
    "mr mrs ms miss dr prof sir madam madame monsieur mme mlle herr frau sheikh shaikh sheik "
    "haji hajji hadji mullah mulla maulana maulvi sayyid sayed syed imam general gen colonel "
    "col major maj captain capt lieutenant lt admiral adm"
)

NUMBER_WORDS: dict[str, int] = {
    word: n
    for n, words in enumerate(
        [
            ("zero",),
            ("one", "first"),
            ("two", "second"),
            ("three", "third"),
            ("four", "fourth"),
            ("five", "fifth"),
            ("six", "sixth"),
            ("seven", "seventh"),
            ("eight", "eighth"),
            ("nine", "ninth"),
            ("ten", "tenth"),
            ("eleven", "eleventh"),
            ("twelve", "twelfth"),
            ("thirteen", "thirteenth"),
            ("fourteen", "fourteenth"),
            ("fifteen", "fifteenth"),
            ("sixteen", "sixteenth"),
            ("seventeen", "seventeenth"),
            ("eighteen", "eighteenth"),
            ("nineteen", "nineteenth"),
            ("twenty", "twentieth"),
        ]
    )
    for word in words
}

ROMAN: dict[str, int] = {
    r: n
    for n, r in enumerate(
        str.split("- i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx")
    )
    if n
}

#: places that prefix or qualify organisation names, Entity-List heavy: countries are added
#: from ISO 3166 at import time (see ``_places``); these are regions and cities.
PLACES: frozenset[str] = _words(
    """
    anhui beijing chongqing fujian gansu guangdong guangxi guizhou hainan hebei heilongjiang
    henan hubei hunan jiangsu jiangxi jilin liaoning ningxia qinghai shaanxi shandong shanghai
    shanxi sichuan tianjin xinjiang xizang tibet yunnan zhejiang mongolia hong kong macau
    macao taiwan shenzhen guangzhou wuhan chengdu xian hangzhou nanjing suzhou wuxi
    changsha zhengzhou hefei jinan qingdao dalian shenyang harbin changchun kunming nanning
    fuzhou xiamen ningbo dongguan foshan zhuhai shijiazhuang taiyuan lanzhou urumqi hohhot
    guiyang nanchang mianyang baotou luoyang zhuzhou changzhou yantai weihai tangshan
    baoding langfang zibo nantong jiaxing shaoxing wenzhou quanzhou huizhou zhongshan
    jiangmen shantou yichang xiangyang zigong deyang
    moscow petersburg novosibirsk yekaterinburg ekaterinburg kazan
    nizhny novgorod samara omsk rostov ufa krasnoyarsk perm voronezh volgograd krasnodar
    saratov tula izhevsk tomsk kaliningrad vladivostok minsk
    tehran isfahan esfahan mashhad tabriz shiraz karaj qom ahvaz
    pyongyang damascus aleppo caracas havana karachi lahore islamabad rawalpindi dubai
    dhabi sharjah istanbul ankara almaty tashkent yerevan tbilisi baku
    tokyo osaka kyoto yokohama nagoya kobe hokkaido
    seoul busan singapore kuala lumpur bangkok hanoi saigon jakarta manila
    asia europe africa america americas pacific eurasia
    """
)

#: Chinese and Japanese place names that begin organisation names (with or without 市/省)
CJK_PLACES: tuple[str, ...] = (
    "北京", "上海", "天津", "重庆", "重慶", "深圳", "广州", "廣州", "武汉", "武漢", "成都",
    "西安", "杭州", "南京", "苏州", "蘇州", "无锡", "長沙", "长沙", "郑州", "合肥", "济南",
    "青岛", "大连", "沈阳", "哈尔滨", "长春", "昆明", "南宁", "福州", "厦门", "宁波", "东莞",
    "佛山", "珠海", "石家庄", "太原", "兰州", "乌鲁木齐", "香港", "澳门", "台湾", "臺灣",
    "广东", "廣東", "江苏", "浙江", "山东", "河北", "河南", "湖北", "湖南", "四川", "陕西",
    "山西", "辽宁", "吉林", "黑龙江", "安徽", "福建", "江西", "云南", "贵州", "甘肃",
    "海南", "青海", "新疆", "西藏", "内蒙古", "广西", "宁夏", "绵阳", "中国", "中國",
    "東京", "大阪", "京都", "横浜", "名古屋", "神戸", "日本",
)  # fmt: skip
